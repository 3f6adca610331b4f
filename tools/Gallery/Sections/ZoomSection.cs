using DeepDream.Sequences;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp.Processing;

namespace DeepDream.Gallery.Sections;

/// <summary>The infinite-zoom GIF of docs/animation.md.</summary>
internal sealed class ZoomSection : GallerySection
{
    private const string Code = """
        image.Mutate(c => c.Resize(240, 0));
        using var dreamer = new DreamBuilder().Layer("layer3").Octaves(2).Steps(5).StepSize(0.006).Build();
        using var gif = new GifFileSink("zoom.gif", image.Width, image.Height, new FrameRate(12));
        var options = new ZoomOptions(40, seed: 1) { Motion = new ZoomMotion(1.04, 0.5) };
        await foreach (var frame in ZoomSequence.RunAsync(FrameDreamer.From(dreamer), image, options)) gif.Write(frame.Image);
        gif.Complete();
        """;

    public override string Id => "zoom";
    public override int Order => 80;
    public override string Title => "Infinite zoom";
    public override string Intro => """
        40 frames, each 4 % closer and turned 0.5° from the last, dreamed with few octaves and steps per frame (the frames
        build on each other), written as a looping GIF one frame at a time. See the [animation guide](animation.md).
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            new Tile("zoom.gif", "infinite zoom, 40 frames at 12 fps", new TileSource(Code, TileSourceKind.Code), async (context, path) =>
            {
                using var image = context.Load("chelsea.png");
                image.Mutate(c => c.Resize(240, 0));
                using var dreamer = new DreamBuilder().UseModel(context.ResNet18, ownsModel: false)
                    .Layer("layer3").Octaves(2).Steps(5).StepSize(0.006).Build();
                using var gif = new GifFileSink(path, image.Width, image.Height, new FrameRate(12));
                var options = new ZoomOptions(40, seed: 1) { Motion = new ZoomMotion(1.04, 0.5) };
                await foreach (var frame in ZoomSequence.RunAsync(FrameDreamer.From(dreamer), image, options)) gif.Write(frame.Image);
                gif.Complete();
            }),
        ], Columns: 1, StripFile: "zoom.gif");
    }
}
