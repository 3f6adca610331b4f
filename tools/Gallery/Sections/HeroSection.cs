namespace DeepDream.Gallery.Sections;

/// <summary>The README's hero picture: the cat at full defaults.</summary>
internal sealed class HeroSection : GallerySection
{
    public override string Id => "hero";
    public override int Order => 0;
    public override string Title => "The hero: `layer3`, full defaults";
    public override string Intro => "The README's picture: Chelsea the cat (451×300) with every default.";

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure([Tiles.Command("chelsea.jpg", "layer3, defaults", "dream samples/images/chelsea.png --seed 1")],
            Columns: 1, StripFile: "hero.jpg");
    }
}
