using System.Diagnostics;
using DeepDream;
using DeepDream.Objectives;
using DeepDream.Sequences;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

// Makes every picture in docs/: layer1..layer4 strips of each sample, a guided dream beside its guide, octave counts 1/3/6,
// the README's hero image, and the infinite-zoom GIF of docs/animation.md. Everything uses seed 1, so a rerun gives the
// same pictures. A third argument "zoom" makes only the GIF.
var samples = args.Length > 1 ? args[1] : Path.Combine("samples", "images");
var output = args.Length > 0 ? args[0] : Path.Combine("docs", "images");
var only = args.Length > 2 ? args[2] : null;
Directory.CreateDirectory(output);
var encoder = new JpegEncoder { Quality = 85 };
using var model = DeepDream.DreamModels.ResNet18();
var clock = Stopwatch.StartNew();

Image<Rgb24> Load(string name, int width)
{
    var image = Image.Load<Rgb24>(Path.Combine(samples, name));
    if (image.Width > width) image.Mutate(c => c.Resize(width, 0));
    return image;
}

Image<Rgb24> Dream(Image<Rgb24> input, Func<DreamBuilder, DreamBuilder> configure)
{
    using var dreamer = configure(new DreamBuilder().UseModel(model, ownsModel: false).Seed(1)).Build();
    return dreamer.Run(input);
}

void Save(Image image, string name)
{
    image.SaveAsJpeg(Path.Combine(output, name), encoder);
    Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {name}");
}

// Images laid side by side with a white gutter.
Image<Rgb24> Strip(params Image<Rgb24>[] images)
{
    const int Gutter = 6;
    var strip = new Image<Rgb24>(images.Sum(i => i.Width) + Gutter * (images.Length - 1), images.Max(i => i.Height), new Rgb24(255, 255, 255));
    var x = 0;
    foreach (var image in images)
    {
        var left = x;
        strip.Mutate(c => c.DrawImage(image, new Point(left, 0), 1f));
        x += image.Width + Gutter;
    }
    return strip;
}

// Infinite zoom: 40 frames, 4 % closer and 0.5 degrees turned per frame, few octaves and steps per frame (the frames
// build on each other), written as a looping GIF one frame at a time.
using (var cat = Load("chelsea.png", 240))
using (var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("layer3").Octaves(2).Steps(5).StepSize(0.006).Build())
using (var gif = new GifFileSink(Path.Combine(output, "zoom.gif"), cat.Width, cat.Height, new FrameRate(12)))
{
    var options = new ZoomOptions(40, seed: 1) { Motion = new ZoomMotion(1.04, 0.5) };
    await foreach (var frame in ZoomSequence.RunAsync(FrameDreamer.From(dreamer), cat, options)) gif.Write(frame.Image);
    gif.Complete();
    Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  zoom.gif");
}
if (only == "zoom") return;

using (var cat = Load("chelsea.png", 451))
using (var hero = Dream(cat, b => b))
{
    Save(hero, "hero.jpg");
}

foreach (var name in new[] { "chelsea.png", "coffee.png", "astronaut.png" })
{
    using var input = Load(name, 320);
    var dreams = new[] { "layer1", "layer2", "layer3", "layer4" }.Select(layer => Dream(input, b => b.Layer(layer))).ToArray();
    using var strip = Strip([input.Clone(), .. dreams]);
    Save(strip, $"layers-{Path.GetFileNameWithoutExtension(name)}.jpg");
    foreach (var d in dreams) d.Dispose();
}

using (var cat = Load("chelsea.png", 320))
using (var guide = Load("coffee.png", 240))
using (var guided = Dream(cat, b => b.Guide(guide, "layer3")))
using (var plain = Dream(cat, b => b))
using (var strip = Strip(cat.Clone(), guide.Clone(), guided, plain))
{
    Save(strip, "guided.jpg");
}

using (var coffee = Load("coffee.png", 320))
{
    var dreams = new[] { 1, 3, 6 }.Select(n => Dream(coffee, b => b.Octaves(n))).ToArray();
    using var strip = Strip(dreams);
    Save(strip, "octaves.jpg");
    foreach (var d in dreams) d.Dispose();
}

using (var cat = Load("chelsea.png", 320))
using (var mixed = Dream(cat, b => b.UseObjective(0.5 * Objective.L2("layer2") + Objective.L2("layer4"))))
using (var channels = Dream(cat, b => b.UseObjective(Objective.Channels("layer3", Enumerable.Range(0, 16)))))
using (var strip = Strip(mixed, channels))
{
    Save(strip, "objectives.jpg");
}
