namespace DeepDream.Gallery.Sections;

/// <summary>1, 3 and 6 octaves.</summary>
internal sealed class OctavesSection : GallerySection
{
    public override string Id => "octaves";
    public override int Order => 30;
    public override string Title => "Octaves";
    public override string Intro => """
        1, 3 and 6 octaves at `layer3`. More octaves let the patterns grow at several scales, from small detail to shapes as
        large as the picture (each octave is 1.4× smaller than the next).
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            Tiles.Command("coffee-1.jpg", "1 octave", "dream samples/images/coffee.png --octaves 1 --seed 1"),
            Tiles.Command("coffee-3.jpg", "3 octaves", "dream samples/images/coffee.png --octaves 3 --seed 1"),
            Tiles.Command("coffee-6.jpg", "6 octaves (default)", "dream samples/images/coffee.png --octaves 6 --seed 1"),
        ], Columns: 3, StripFile: "octaves.jpg");
    }
}
