namespace DeepDream.Gallery.Sections;

/// <summary>Guided dreaming beside its guide and the plain dream.</summary>
internal sealed class GuidedSection : GallerySection
{
    public override string Id => "guided";
    public override int Order => 20;
    public override string Title => "Guided dreaming";
    public override string Intro => """
        The cat photo, the guide (the coffee cup), the guided dream at `layer3` — every position is pulled towards the
        guide's most similar feature, so round, glossy, cup-like shapes appear — and the plain `layer3` dream for comparison.
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            Tiles.Input("chelsea.jpg", "photo", "chelsea.png"),
            Tiles.Input("guide.jpg", "guide", "coffee.png"),
            Tiles.Command("guided.jpg", "guided by the cup", "dream samples/images/chelsea.png --guide samples/images/coffee.png --seed 1"),
            Tiles.Command("plain.jpg", "plain layer3 dream", "dream samples/images/chelsea.png --seed 1"),
        ], StripFile: "guided.jpg");
    }
}
