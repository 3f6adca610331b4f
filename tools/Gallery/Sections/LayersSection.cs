namespace DeepDream.Gallery.Sections;

/// <summary>The same photo dreamed at each of ResNet18's four stages.</summary>
internal sealed class LayersSection : GallerySection
{
    public override string Id => "layers";
    public override int Order => 10;
    public override string Title => "Layer by layer";
    public override string Intro => """
        The layer decides what grows. Shallow layers paint textures and colour; `layer3` grows eyes, fur and dog faces;
        `layer4` dissolves the picture into whole-object fragments.
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            Tiles.Input("chelsea.jpg", "input", "chelsea.png"),
            Tiles.Command("chelsea-layer1.jpg", "layer1", "dream samples/images/chelsea.png --layer layer1 --seed 1"),
            Tiles.Command("chelsea-layer2.jpg", "layer2", "dream samples/images/chelsea.png --layer layer2 --seed 1"),
            Tiles.Command("chelsea-layer3.jpg", "layer3", "dream samples/images/chelsea.png --layer layer3 --seed 1"),
            Tiles.Command("chelsea-layer4.jpg", "layer4", "dream samples/images/chelsea.png --layer layer4 --seed 1"),
        ], Columns: 3, StripFile: "layers-chelsea.jpg");

        yield return new Figure(
        [
            Tiles.Input("astronaut.jpg", "input", "astronaut.png"),
            Tiles.Command("astronaut-layer2.jpg", "layer2", "dream samples/images/astronaut.png --layer layer2 --seed 1"),
            Tiles.Command("astronaut-layer4.jpg", "layer4", "dream samples/images/astronaut.png --layer layer4 --seed 1"),
        ], Columns: 3);
    }
}
