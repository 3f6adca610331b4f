using DeepDream.Objectives;

namespace DeepDream.Gallery.Sections;

/// <summary>Weighted sums and channel subsets.</summary>
internal sealed class ObjectivesSection : GallerySection
{
    public override string Id => "objectives";
    public override int Order => 40;
    public override string Title => "Composed objectives";
    public override string Intro => """
        Objectives compose: a weighted sum over layers mixes their styles; a channel subset dreams only what those feature
        maps respond to.
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            Tiles.Dream("mixed.jpg", "0.5 × layer2 + layer4", "chelsea.png",
                b => b.UseObjective(0.5 * Objective.L2("layer2") + Objective.L2("layer4"))),
            Tiles.Dream("channels.jpg", "layer3, channels 0–15 only", "chelsea.png",
                b => b.UseObjective(Objective.Channels("layer3", Enumerable.Range(0, 16)))),
        ], StripFile: "objectives.jpg");
    }
}
