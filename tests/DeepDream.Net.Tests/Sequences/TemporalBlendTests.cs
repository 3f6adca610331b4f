using DeepDream.Sequences;
using DeepDream.Sequences.Flow;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DeepDream.Tests.Sequences;

public sealed class TemporalBlendTests
{
    private static Image<Rgb24> Filled(int w, int h, byte value)
    {
        return new Image<Rgb24>(w, h, new Rgb24(value, value, value));
    }

    [Fact]
    public void Apply_NoFlow_AddsBlendTimesTheDetail()
    {
        using var current = Filled(4, 3, 100);
        using var previous = Filled(4, 3, 50);
        using var dreamed = Filled(4, 3, 90); // detail +40
        dreamed[1, 1] = new Rgb24(10, 50, 250); // detail -40, 0, +200
        using var input = TemporalBlend.Apply(current, previous, dreamed, null, 0.5);
        Assert.Equal(new Rgb24(120, 120, 120), input[0, 0]);
        Assert.Equal(new Rgb24(80, 100, 200), input[1, 1]);
        using var none = TemporalBlend.Apply(current, previous, dreamed, null, 0);
        Assert.Equal(Tools.Bytes(current), Tools.Bytes(none));
    }

    [Fact]
    public void Apply_ConstantFlow_FetchesTheDetailFromWhereTheContentWas()
    {
        using var current = Filled(8, 4, 100);
        using var previous = Filled(8, 4, 100);
        using var dreamed = Filled(8, 4, 100);
        dreamed[2, 1] = new Rgb24(200, 200, 200); // detail +100 at (2, 1) in frame k-1
        // The scene moved 3 px right: pixel (x, y) of frame k was at (x - 3, y) in frame k-1.
        var data = new float[8 * 4 * 2];
        for (var i = 0; i < data.Length; i += 2) data[i] = -3;
        using var input = TemporalBlend.Apply(current, previous, dreamed, new FlowField(8, 4, data), 1.0);
        Assert.Equal(new Rgb24(200, 200, 200), input[5, 1]);
        Assert.Equal(new Rgb24(100, 100, 100), input[2, 1]);
    }

    [Fact]
    public void Apply_RejectsMismatchedSizes()
    {
        using var a = Filled(4, 3, 1);
        using var b = Filled(3, 3, 1);
        Assert.Throws<ArgumentException>(() => TemporalBlend.Apply(a, b, a, null, 0.5));
        Assert.Throws<ArgumentException>(() => TemporalBlend.Apply(a, a, a, new FlowField(2, 2, new float[8]), 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => TemporalBlend.Apply(a, a, a, null, 1.5));
    }

    [RequiresOpenCvFact]
    public void Farneback_RecoversAKnownShift()
    {
        using var photo = TestSupport.TestImages.LoadSmall("chelsea.png", 120);
        using var previous = photo.Clone(c => c.Crop(new Rectangle(10, 10, 96, 64)));
        using var current = photo.Clone(c => c.Crop(new Rectangle(13, 11, 96, 64))); // content moved 3 left, 1 up
        var flow = new FarnebackFlow().Estimate(current, previous);
        // Median over the interior, away from the borders where content enters.
        var dx = new List<float>();
        var dy = new List<float>();
        for (var y = 16; y < 48; y++)
            for (var x = 16; x < 80; x++)
            {
                var (fx, fy) = flow.At(x, y);
                dx.Add(fx);
                dy.Add(fy);
            }
        dx.Sort();
        dy.Sort();
        Assert.InRange(dx[dx.Count / 2], 2.8, 3.2);
        Assert.InRange(dy[dy.Count / 2], 0.8, 1.2);
    }

    /// <summary>Records which frames each flow estimate was asked for (by their first pixel, unique per frame here).</summary>
    private sealed class RecordingFlow : IOpticalFlow
    {
        public List<(byte Current, byte Previous)> Pairs { get; } = [];

        public string Name => "recording";

        public void EnsureAvailable() { }

        public FlowField Estimate(Image<Rgb24> current, Image<Rgb24> previous)
        {
            lock (Pairs) Pairs.Add((current[0, 0].R, previous[0, 0].R));
            return new FlowField(current.Width, current.Height, new float[current.Width * current.Height * 2]);
        }
    }

    [Fact]
    public async Task Video_EveryFrameUsesTheOneSeed_AndTheFlowOfFrameKIsMeasuredAgainstFrameKMinus1()
    {
        var folder = Path.Combine(Path.GetTempPath(), "deepdream-seed-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(folder);
            for (var k = 0; k < 5; k++) Filled(6, 4, (byte)(10 * k + 10)).SaveAsPng(Path.Combine(folder, FrameFolder.FrameName(k)));
            using var source = FrameFolder.Open(folder, new FrameRate(10));
            var dreamer = new IdentityDreamer();
            var flow = new RecordingFlow();
            var seeds = new List<int>();
            await foreach (var f in VideoSequence.RunAsync(dreamer, source, new VideoOptions(42) { Flow = flow })) seeds.Add(f.Seed);
            Assert.Equal([42, 42, 42, 42, 42], dreamer.Seeds);
            Assert.Equal([42, 42, 42, 42, 42], seeds);
            Assert.Equal([(20, 10), (30, 20), (40, 30), (50, 40)], flow.Pairs.Select(p => ((int)p.Current, (int)p.Previous)));

            // Resuming at frame 3: frames 0-1 are only read; the flow of frame 3 is still measured against frame 2.
            var resumed = new RecordingFlow();
            using var previous = Filled(6, 4, 30);
            var indices = new List<int>();
            await foreach (var f in VideoSequence.RunAsync(dreamer, source, new VideoOptions(42) { Flow = resumed, StartFrame = 3, PreviousDreamed = previous })) indices.Add(f.Index);
            Assert.Equal([3, 4], indices);
            Assert.Equal([(40, 30), (50, 40)], resumed.Pairs.Select(p => ((int)p.Current, (int)p.Previous)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Video_BlendCarriesThePreviousDream_AndResumeMatches()
    {
        var folder = Path.Combine(Path.GetTempPath(), "deepdream-blend-" + Guid.NewGuid().ToString("N"));
        try
        {
            Tools.WritePanningFrames(folder, "coffee.png", 40, 30, 4, 2);
            using var source = FrameFolder.Open(folder, new FrameRate(10));
            var dreamer = new PatternDreamer(30);
            var blended = new List<byte[]>();
            await foreach (var f in VideoSequence.RunAsync(dreamer, source, new VideoOptions(7) { Blend = 0.5 })) blended.Add(Tools.Bytes(f.Image));
            var alone = new List<byte[]>();
            await foreach (var f in VideoSequence.RunAsync(dreamer, source, new VideoOptions(7) { Blend = 0 })) alone.Add(Tools.Bytes(f.Image));
            Assert.Equal(4, blended.Count);
            Assert.Equal(alone[0], blended[0]); // nothing to carry into the first frame
            Assert.NotEqual(alone[1], blended[1]);

            using var previous = Image.LoadPixelData<Rgb24>(blended[1], 40, 30);
            var resumed = new List<byte[]>();
            await foreach (var f in VideoSequence.RunAsync(dreamer, source, new VideoOptions(7) { Blend = 0.5, StartFrame = 2, PreviousDreamed = previous }))
                resumed.Add(Tools.Bytes(f.Image));
            Assert.Equal(blended[2], resumed[0]);
            Assert.Equal(blended[3], resumed[1]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
