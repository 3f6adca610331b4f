using System.Diagnostics;
using System.Globalization;
using System.Text;
using DeepDream.Diagnostics;
using DeepDream.Features;
using DeepDream.Sequences;
using DeepDream.Sequences.Flow;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DeepDream.Benchmarks;

/// <summary>
/// <c>coherence [--frames N] [--append FILE]</c>: how steady dreamed video is. Clips that pan across a sample photo by a
/// known number of pixels per frame are dreamed with no blend, with the blend carried in place (no flow), and with
/// Farnebäck flow + blend; for each output it reports the mean absolute difference between consecutive frames (0–255)
/// and the same after moving frame k−1 by the known pan (motion-compensated: what is left is flicker, since the source's
/// own value is 0 for whole-pixel pans). Then the flow's accuracy (end-point error against the known motion) and cost at
/// several <see cref="FarnebackFlow.MaxSide"/> values.
/// </summary>
internal static class CoherenceBenchmark
{
    private const int Margin = 4; // border columns/rows left out of the motion-compensated difference (mirrored content)

    public static int Run(string[] args)
    {
        var frames = ConsoleModes.Option(args, "--frames") ?? 24;
        var append = ConsoleModes.Text(args, "--append");
        using var model = DreamModels.ResNet18();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Coherence, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {Results.LoadAverage()}");
        text.AppendLine();
        text.AppendLine("| clip | run | consecutive-frame difference | motion-compensated (flicker) | vs no blend |");
        text.AppendLine("|---|---|---:|---:|---:|");
        Clip(text, model, "test clip: 96×64, chelsea, 0.25 px/frame, 6 frames, 2 octaves × 3 steps", PanningFrames("chelsea.png", 96, 64, 6, 0.25), 0.25, steps: 3);
        Clip(text, model, $"320×180, coffee, 1 px/frame, {frames} frames, 2 octaves × 5 steps", PanningFrames("coffee.png", 320, 180, frames, 1), 1, steps: 5);
        Clip(text, model, $"320×180, coffee, still camera with ±3 noise, {frames} frames, 2 octaves × 5 steps", NoisyStill("coffee.png", 320, 180, frames, 3), 0, steps: 5);
        text.AppendLine();
        FlowAccuracy(text);
        Console.WriteLine(text);
        if (append is not null) File.AppendAllText(append, text + Environment.NewLine);
        return 0;
    }

    private static void Clip(StringBuilder text, IFeatureExtractor model, string name, List<Image<Rgb24>> source, double pan, int steps)
    {
        var folder = Directory.CreateTempSubdirectory("deepdream-coherence-").FullName;
        try
        {
            for (var k = 0; k < source.Count; k++) source[k].SaveAsPng(Path.Combine(folder, FrameFolder.FrameName(k)));
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | source | {Consecutive(source):F2} | {Compensated(source, pan):F2} | |");
            using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("layer3").Octaves(2).Steps(steps).Build();
            double? alone = null;
            foreach (var (label, blend, flow, seedPerFrame) in new (string, double, IOpticalFlow?, bool)[]
            {
                ("no blend (--blend 0)", 0, null, false),
                ("blend 0.5, no flow (--flow none)", 0.5, null, false),
                ("blend 0.5, Farnebäck flow (default)", 0.5, new FarnebackFlow(), false),
                ("blend 0.7, Farnebäck flow", 0.7, new FarnebackFlow(), false),
                ("no blend, seed + k for frame k", 0, null, true),
                ("blend 0.5, Farnebäck flow, seed + k for frame k", 0.5, new FarnebackFlow(), true),
            })
            {
                using var frames = FrameFolder.Open(folder, new FrameRate(24));
                IFrameDreamer frameDreamer = seedPerFrame ? new SeedPerFrame(FrameDreamer.From(dreamer)) : FrameDreamer.From(dreamer);
                var output = new List<Image<Rgb24>>();
                var clock = Stopwatch.StartNew();
                foreach (var frame in Collect(VideoSequence.RunAsync(frameDreamer, frames, new VideoOptions(1) { Blend = blend, Flow = flow }))) output.Add(frame);
                var flicker = Compensated(output, pan);
                alone ??= flicker;
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| | {label} | {Consecutive(output):F2} | {flicker:F2} | {(flicker - alone.Value) / alone.Value:+0%;-0%;0%} |");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {label}: {clock.Elapsed.TotalSeconds:F0} s"));
                foreach (var image in output) image.Dispose();
            }
            foreach (var image in source) image.Dispose();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static List<Image<Rgb24>> Collect(IAsyncEnumerable<SequenceFrame> frames)
    {
        var list = new List<Image<Rgb24>>();
        var enumerator = frames.GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult()) list.Add(enumerator.Current.Image.Clone());
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return list;
    }

    /// <summary>
    /// Frames of a view sliding <paramref name="pan"/> px right per frame over the photo (scaled to leave room): frame k is
    /// the photo moved by k·pan (bilinear for fractions) and cropped, so content moves left by <paramref name="pan"/>.
    /// </summary>
    private static List<Image<Rgb24>> PanningFrames(string photo, int width, int height, int count, double pan)
    {
        using var image = Workload.LoadImage(photo);
        var scale = Math.Max((width + pan * count + 2) / image.Width, (double)height / image.Height);
        image.Mutate(c => c.Resize((int)Math.Ceiling(image.Width * scale), (int)Math.Ceiling(image.Height * scale), KnownResamplers.Bicubic));
        var frames = new List<Image<Rgb24>>();
        for (var k = 0; k < count; k++)
        {
            using var moved = new ZoomMotion(1, 0, k * pan, 0).Apply(image);
            frames.Add(moved.Clone(c => c.Crop(new Rectangle(0, (image.Height - height) / 2, width, height))));
        }
        return frames;
    }

    /// <summary>A still photo (scaled and cropped) with independent uniform noise of ±<paramref name="noise"/> per frame, as from a camera on a tripod.</summary>
    private static List<Image<Rgb24>> NoisyStill(string photo, int width, int height, int count, int noise)
    {
        using var image = Workload.LoadImage(photo);
        image.Mutate(c => c.Resize(width, (int)Math.Round((double)image.Height * width / image.Width), KnownResamplers.Bicubic).Crop(new Rectangle(0, 0, width, height)));
        var random = new Random(5);
        var frames = new List<Image<Rgb24>>();
        for (var k = 0; k < count; k++)
        {
            var frame = image.Clone();
            frame.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    foreach (ref var p in rows.GetRowSpan(y))
                    {
                        p = new Rgb24(Noisy(p.R), Noisy(p.G), Noisy(p.B));
                    }
                }
            });
            frames.Add(frame);
        }
        return frames;

        byte Noisy(byte value) => (byte)Math.Clamp(value + random.Next(-noise, noise + 1), 0, 255);
    }

    /// <summary>Mean absolute difference between consecutive frames, 0–255.</summary>
    private static double Consecutive(IReadOnlyList<Image<Rgb24>> frames)
    {
        double sum = 0;
        long count = 0;
        for (var k = 1; k < frames.Count; k++)
        {
            var a = Bytes(frames[k - 1]);
            var b = Bytes(frames[k]);
            for (var i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
            count += a.Length;
        }
        return sum / count;
    }

    /// <summary>Mean absolute difference between frame k and frame k−1 moved by the pan, inside a margin, 0–255.</summary>
    private static double Compensated(IReadOnlyList<Image<Rgb24>> frames, double pan)
    {
        double sum = 0;
        long count = 0;
        var motion = new ZoomMotion(1, 0, pan, 0);
        for (var k = 1; k < frames.Count; k++)
        {
            using var moved = motion.Apply(frames[k - 1]);
            var a = Bytes(moved);
            var b = Bytes(frames[k]);
            int width = frames[k].Width, height = frames[k].Height;
            for (var y = Margin; y < height - Margin; y++)
            {
                for (var i = (y * width + Margin) * 3; i < (y * width + width - Margin) * 3; i++) sum += Math.Abs(a[i] - b[i]);
            }
            count += (long)(height - 2 * Margin) * (width - 2 * Margin) * 3;
        }
        return sum / count;
    }

    /// <summary>Farnebäck's end-point error against known motions of a 640×360 frame, and its cost, by <see cref="FarnebackFlow.MaxSide"/>.</summary>
    private static void FlowAccuracy(StringBuilder text)
    {
        using var photo = Workload.LoadImage("coffee.png");
        photo.Mutate(c => c.Resize(960, 640, KnownResamplers.Bicubic).Crop(new Rectangle(160, 140, 640, 360)));
        var motions = new (string, ZoomMotion)[] { ("pan 2 px", new ZoomMotion(1, 0, 2, 0)), ("zoom 1.02 + 0.5°", new ZoomMotion(1.02, 0.5)) };
        text.AppendLine("Farnebäck on 640×360 frames with a known motion: mean end-point error (px) inside a 16 px margin, and median time:");
        text.AppendLine();
        text.AppendLine("| MaxSide | estimated at | " + string.Join(" | ", motions.Select(m => m.Item1 + " error")) + " | ms |");
        text.AppendLine("|---:|---|" + string.Concat(motions.Select(_ => "---:|")) + "---:|");
        foreach (var maxSide in new[] { 0, 480, FarnebackFlow.DefaultMaxSide, 240 })
        {
            var flow = new FarnebackFlow { MaxSide = maxSide };
            var errors = new List<double>();
            double ms = 0;
            foreach (var (_, motion) in motions)
            {
                using var current = motion.Apply(photo);
                var field = flow.Estimate(current, photo);
                errors.Add(EndPointError(field, motion));
                ms = ConsoleModes.Median(7, () => flow.Estimate(current, photo));
            }
            var size = maxSide == 0 ? "640×360" : $"{Math.Round(640.0 * maxSide / 640)}×{Math.Round(360.0 * maxSide / 640)}";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {(maxSide == 0 ? "0 (full size)" : maxSide.ToString(CultureInfo.InvariantCulture))} | {size} | {string.Join(" | ", errors.Select(e => e.ToString("F3", CultureInfo.InvariantCulture)))} | {ms:F1} |");
        }
    }

    private static double EndPointError(FlowField field, ZoomMotion motion)
    {
        const int margin = 16;
        double sum = 0;
        var count = 0;
        for (var y = margin; y < field.Height - margin; y++)
        {
            for (var x = margin; x < field.Width - margin; x++)
            {
                var (u, v) = motion.SourceOf(x, y, field.Width, field.Height);
                var (dx, dy) = field.At(x, y);
                sum += Math.Sqrt(Math.Pow(dx - (u - x), 2) + Math.Pow(dy - (v - y), 2));
                count++;
            }
        }
        return sum / count;
    }

    private static byte[] Bytes(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    /// <summary>Dreams the k-th frame it is given with seed + k, as a zoom does (a video uses one seed for every frame).</summary>
    private sealed class SeedPerFrame(IFrameDreamer inner) : IFrameDreamer
    {
        private int _frames;

        public Image<Rgb24> DreamFrame(Image<Rgb24> frame, int seed, IProgress<DreamProgress>? progress, CancellationToken cancellationToken) =>
            inner.DreamFrame(frame, unchecked(seed + _frames++), progress, cancellationToken);
    }
}
