using DeepDream.Diagnostics;
using DeepDream.Imaging;
using DeepDream.Objectives;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Engine;

/// <summary>The dreamer's contract on a tiny network: determinism, progress, cancellation, concurrency, alpha, no leaks.</summary>
public sealed class DreamerTests : IDisposable
{
    private readonly TinyExtractor _model = new(seed: 5);

    public void Dispose() => _model.Dispose();

    private Dreamer Build(Action<DreamBuilder>? configure = null)
    {
        var builder = new DreamBuilder().UseModel(_model, ownsModel: false).Layer("conv2").Octaves(3).Steps(4).Jitter(4).StepSize(0.02);
        configure?.Invoke(builder);
        return builder.Build();
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalOutput_OtherSeedDiffers()
    {
        using var dreamer = Build(b => b.Seed(42));
        using var input = TestImages.Noise(40, 30);
        using var first = dreamer.Run(input);
        using var second = dreamer.Run(input);
        using var other = dreamer.Dream(input, new DreamRunOptions { Seed = 43 });
        Assert.Equal(Pixels(first), Pixels(second));
        Assert.NotEqual(Pixels(first), Pixels(other.Image));
        Assert.NotEqual(Pixels(input), Pixels(first));
    }

    [Fact]
    public void Dream_ReportsSeedOctavesAndIncreasingObjective()
    {
        using var dreamer = Build(b => b.Seed(7));
        using var input = TestImages.Noise(40, 30);
        using var result = dreamer.Dream(input);
        Assert.Equal(7, result.Seed);
        Assert.Equal(7, result.Settings.Seed);
        Assert.Equal("L2(conv2)", result.Objective);
        Assert.Equal("tiny", result.Model);
        Assert.Equal([new(21, 15), new(29, 21), new(40, 30)], result.Octaves.Select(o => o.Size));
        // One order everywhere: the octave sizes a dreamer announces are the ones the result reports, smallest first.
        Assert.Equal(dreamer.OctaveSizes(40, 30), result.Octaves.Select(o => o.Size));
        Assert.Equal([1, 2, 3], result.Octaves.Select(o => o.Index));
        Assert.All(result.Octaves, o => Assert.True(double.IsFinite(o.ObjectiveValue)));
        Assert.Equal((input.Width, input.Height), (result.Image.Width, result.Image.Height));
    }

    [Fact]
    public void WithoutSeed_EachRunDrawsAndReportsItsOwnSeed_WhichReproducesIt()
    {
        using var dreamer = Build();
        using var input = TestImages.Noise(24, 24);
        using var a = dreamer.Dream(input);
        using var b = dreamer.Dream(input);
        Assert.NotEqual(a.Seed, b.Seed);
        using var again = dreamer.Dream(input, new DreamRunOptions { Seed = a.Seed });
        Assert.Equal(Pixels(a.Image), Pixels(again.Image));
    }

    [Fact]
    public void L2Dream_IncreasesTheLayerNorm()
    {
        using var dreamer = Build(b => b.Seed(1).Octaves(1).Steps(10));
        using var input = TestImages.Noise(32, 32);
        using var output = dreamer.Run(input);
        Assert.True(Norm(output) > Norm(input) * 1.05, $"{Norm(output)} vs {Norm(input)}");
    }

    [Fact]
    public void Progress_IsReportedForEveryStep_InOrder()
    {
        using var dreamer = Build(b => b.Seed(1));
        using var input = TestImages.Noise(40, 30);
        var reports = new List<DreamProgress>();
        using var _ = dreamer.Dream(input, new DreamRunOptions { Progress = new SyncProgress(reports.Add) });
        Assert.Equal(12, reports.Count);
        Assert.Equal(Enumerable.Range(1, 12), reports.Select(r => r.CompletedSteps));
        Assert.All(reports, r => Assert.Equal(12, r.TotalSteps));
        Assert.Equal((3, 4, 40, 30), (reports[^1].Octave, reports[^1].Step, reports[^1].Width, reports[^1].Height));
        // The fraction tracks time, not steps: each step weighs its octave's pixels (21×15, 29×21, 40×30 = 315, 609, 1200).
        Assert.Equal(315.0 / 2124, reports[3].Fraction, 12);
        Assert.Equal((315.0 + 609) / 2124, reports[7].Fraction, 12);
        Assert.Equal((315.0 + 609 + 600) / 2124, reports[9].Fraction, 12);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.Fraction > p.First.Fraction));
        // Values only at each octave's last step unless asked for.
        Assert.All(reports, r => Assert.Equal(r.Step == 4, double.IsFinite(r.ObjectiveValue)));
    }

    [Fact]
    public void Progress_WithReportObjectiveValues_CarriesAValueEveryStep()
    {
        using var dreamer = Build(b => b.Seed(1));
        using var input = TestImages.Noise(40, 30);
        var reports = new List<DreamProgress>();
        using var _ = dreamer.Dream(input, new DreamRunOptions { Progress = new SyncProgress(reports.Add), ReportObjectiveValues = true });
        Assert.Equal(12, reports.Count);
        Assert.All(reports, r => Assert.True(double.IsFinite(r.ObjectiveValue)));
    }

    [Fact]
    public void LongLivedTensors_SurviveADisposeScopeAroundBuild()
    {
        // Build inside a caller's scope, run after it closed: the dreamer's own tensors (channel index, guide
        // features) must not belong to that scope.
        Dreamer dreamer;
        using (NewDisposeScope())
        {
            dreamer = new DreamBuilder().UseModel(_model, ownsModel: false).Octaves(1).Steps(1).Seed(1)
                .UseObjective(Objective.Channels("conv2", [1, 2]) + Objective.Guided("conv2", TestImages.Noise(8, 8))).Build();
        }
        using (dreamer)
        using (var input = TestImages.Noise(16, 16))
        using (var output = dreamer.Run(input))
        {
            Assert.Equal(16, output.Width);
        }
    }

    [Fact]
    public void TileSmallerThanTwiceTheModelMinimum_IsRejectedAtBuild()
    {
        using var model = new MinimumSizeExtractor(_model, minimum: 40);
        var error = Assert.Throws<ArgumentException>(() =>
            new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").TileSize(64).Build());
        Assert.Contains("Tile size 64 px is too small", error.Message);
        Assert.Contains("at least 80 px", error.Message);
    }

    [Fact]
    public void OctaveCompleted_HandsOverEachOctaveImage()
    {
        using var dreamer = Build(b => b.Seed(1));
        using var input = TestImages.Noise(40, 30);
        var sizes = new List<(int, int, int)>();
        using var result = dreamer.Dream(input, new DreamRunOptions { OctaveCompleted = s => sizes.Add((s.Index, s.Image.Width, s.Image.Height)) });
        Assert.Equal([(1, 21, 15), (2, 29, 21), (3, 40, 30)], sizes);
    }

    [Fact]
    public void Cancellation_StopsWithinOneStep()
    {
        using var dreamer = Build(b => b.Seed(1));
        using var input = TestImages.Noise(40, 30);
        using var cts = new CancellationTokenSource();
        var steps = 0;
        var progress = new SyncProgress(p =>
        {
            steps++;
            if (p.CompletedSteps == 5) cts.Cancel();
        });
        Assert.Throws<OperationCanceledException>(() => dreamer.Run(input, progress, cts.Token));
        Assert.Equal(5, steps);
    }

    [Fact]
    public void ConcurrentRuns_MatchSequentialRuns()
    {
        using var dreamer = Build();
        using var input = TestImages.Noise(48, 40);
        int[] seeds = [1, 2, 3, 4];
        var sequential = seeds.Select(s => Dream(dreamer, input, s)).ToArray();
        var concurrent = new byte[seeds.Length][];
        var threads = seeds.Select((s, i) => new Thread(() => concurrent[i] = Dream(dreamer, input, s))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        for (var i = 0; i < seeds.Length; i++) Assert.Equal(sequential[i], concurrent[i]);
    }

    [Fact]
    public void RepeatedRuns_LeaveNoLiveTensors()
    {
        using var dreamer = Build(b => b.Seed(3).Octaves(2).Steps(2));
        using var input = TestImages.Noise(24, 24);
        dreamer.Run(input).Dispose(); // warm up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 50; i++) dreamer.Run(input).Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void CancelledRun_LeavesNoLiveTensors()
    {
        using var dreamer = Build(b => b.Seed(3));
        using var input = TestImages.Noise(24, 24);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => dreamer.Run(input, new SyncProgress(p => { if (p.CompletedSteps == 3) cts.Cancel(); }), cts.Token));
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AlphaChannel_IsCarriedThroughUnchanged()
    {
        using var dreamer = Build(b => b.Seed(1));
        using var input = new Image<Rgba32>(32, 24);
        var random = new Random(2);
        for (var y = 0; y < 24; y++)
        for (var x = 0; x < 32; x++)
            input[x, y] = new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)(x * 8));
        using var output = dreamer.Run(input);
        for (var y = 0; y < 24; y++)
        for (var x = 0; x < 32; x++)
            Assert.Equal(input[x, y].A, output[x, y].A);
        Assert.NotEqual(input[5, 5].R, output[5, 5].R);
    }

    [Fact]
    public void TensorRun_TileAtLeastTheImage_EqualsUntiled_AndSmallTilesStayClose()
    {
        using var scope = NewDisposeScope();
        var input = rand([1, 3, 120, 130], generator: new Generator(9));
        using var untiled = Build(b => b.Seed(5).TileSize(4096));
        using var sameSize = Build(b => b.Seed(5).TileSize(130));
        using var tiled = Build(b => b.Seed(5).TileSize(64));
        var a = untiled.Run(input);
        Assert.True(a.eq(sameSize.Run(input)).all().item<bool>());
        var c = tiled.Run(input);
        Assert.True((a - c).abs().mean().item<float>() < 0.01f);
    }

    [Fact]
    public void TooSmallImage_ThrowsImageTooSmall()
    {
        using var dreamer = Build();
        using var input = new Image<Rgb24>(1, 5);
        var error = Assert.Throws<ImageTooSmallException>(() => dreamer.Run(input));
        Assert.Contains("1×5", error.Message);
    }

    private static byte[] Dream(Dreamer dreamer, Image<Rgb24> input, int seed)
    {
        using var result = dreamer.Dream(input, new DreamRunOptions { Seed = seed });
        return Pixels(result.Image);
    }

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    private double Norm(Image<Rgb24> image)
    {
        using var scope = NewDisposeScope();
        var a = _model.Extract(ImageTensor.ToTensor(image), ["conv2"])["conv2"];
        return a.square().sum().item<float>();
    }

    private sealed class MinimumSizeExtractor(TinyExtractor inner, int minimum) : DeepDream.Features.IFeatureExtractor
    {
        public string Name => inner.Name;
        public IReadOnlyList<string> LayerNames => inner.LayerNames;
        public DeepDream.Features.Preprocessing Preprocessing => inner.Preprocessing;
        public Device Device => inner.Device;
        public int GetMinimumInputSize(IReadOnlyCollection<string> layers) => minimum;
        public DeepDream.Features.IFeatureExtractor To(Device device) => this;
        public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers) => inner.Extract(image, layers);
        public IReadOnlyList<DeepDream.Features.LayerInfo> ListLayers(int width, int height) => inner.ListLayers(width, height);
        public void Dispose() { }
    }

    private sealed class SyncProgress(Action<DreamProgress> report) : IProgress<DreamProgress>
    {
        public void Report(DreamProgress value) => report(value);
    }
}
