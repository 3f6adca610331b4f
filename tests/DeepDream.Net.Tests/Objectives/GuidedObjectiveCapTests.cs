using DeepDream.Features;
using DeepDream.Objectives;
using DeepDream.Tests.Engine;
using DeepDream.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Objectives;

/// <summary>
/// A guide at an early, full-resolution layer has as many positions as pixels, and every step matches each image
/// position against all of them: the guide's feature map is average-pooled to at most
/// <see cref="GuidedObjective.MaxGuidePositions"/> positions; below the cap nothing changes.
/// </summary>
public sealed class GuidedObjectiveCapTests
{
    /// <summary>docs/models.md's user module, padded so that a layer has one position per pixel.</summary>
    private sealed class TwoConv : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> conv1 = nn.Conv2d(3, 4, 3, padding: 1);
        private readonly nn.Module<Tensor, Tensor> conv2 = nn.Conv2d(4, 4, 3, padding: 1);

        public TwoConv() : base(nameof(TwoConv))
        {
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => conv2.call(conv1.call(x).relu());
    }

    private static IFeatureExtractor Model()
    {
        manual_seed(3);
        return DreamModels.FromModule(new TwoConv(), Preprocessing.Raw, name: "twoconv");
    }

    private static GuidedObjective.Evaluator Bind(IFeatureExtractor model, Image<Rgb24> guide) =>
        Assert.IsType<GuidedObjective.Evaluator>(new GuidedObjective("conv1", guide).Bind(model));

    [Theory]
    [InlineData(10, 20, 50, 5, 10)]      // ½ per side
    [InlineData(94, 126, 8192, 78, 104)] // √(8192 / 11844) = 0.8317: 78.2 × 104.8, rounded down
    [InlineData(1, 20000, 8192, 1, 8192)] // one row: it keeps one row and takes the whole cap
    [InlineData(30000, 1, 8192, 8192, 1)]
    [InlineData(64, 64, 4096, 64, 64)]   // exactly at the cap: unchanged
    public void CapPositions_PoolsToTheExpectedSize(int height, int width, long max, int pooledHeight, int pooledWidth)
    {
        using var scope = NewDisposeScope();
        var features = rand(1, 2, height, width);
        var capped = GuidedObjective.CapPositions(features, max);
        Assert.Equal(new long[] { 1, 2, pooledHeight, pooledWidth }, capped.shape);
        Assert.True((long)pooledHeight * pooledWidth <= max);
        if (pooledHeight == height && pooledWidth == width) Assert.Same(features, capped);
    }

    [Fact]
    public void CapPositions_AveragesTheFeatures()
    {
        using var scope = NewDisposeScope();
        var features = arange(16, dtype: ScalarType.Float32).reshape(1, 1, 4, 4);
        var capped = GuidedObjective.CapPositions(features, 4); // 2×2 blocks of 2×2
        Assert.Equal(new float[] { 2.5f, 4.5f, 10.5f, 12.5f }, capped.data<float>().ToArray());
    }

    [Fact]
    public void GuideAboveTheCap_AtAFullResolutionLayer_KeepsExactly8112Positions()
    {
        using var model = Model();
        using var guide = TestImages.Noise(128, 96); // 12288 positions at conv1
        using var evaluator = Bind(model, guide);
        Assert.Equal(104 * 78, evaluator.GuidePositions);
    }

    [Fact]
    public void GuideBelowTheCap_GivesTheBitIdenticalGradient()
    {
        using var scope = NewDisposeScope();
        using var model = Model();
        using var guide = TestImages.Noise(90, 90, seed: 4); // 8100 positions: below the cap
        using var evaluator = Bind(model, guide);
        Assert.Equal(8100, evaluator.GuidePositions);

        using var image = TestImages.Noise(40, 30, seed: 5);
        Tensor activation, g;
        using (no_grad())
        {
            activation = model.Extract(DeepDream.Imaging.ImageTensor.ToTensor(image, model.Device), ["conv1"])["conv1"];
            var features = model.Extract(DeepDream.Imaging.ImageTensor.ToTensor(guide, model.Device), ["conv1"])["conv1"];
            g = features[0].reshape(features.shape[1], -1);
        }
        // The uncapped formula: the guide column with the largest dot product at every position.
        var (index, best) = GuidedObjective.Match(activation, g);
        var expected = g.index_select(1, index).reshape(activation.shape);

        var gradients = new LayerGradients();
        evaluator.AccumulateGradients(new Dictionary<string, Tensor> { ["conv1"] = activation }, 1.0, gradients);
        Assert.True(gradients["conv1"].eq(expected).all().item<bool>(), "the gradient changed below the cap");
        Assert.Equal(best.sum().item<float>(), evaluator.Value(new Dictionary<string, Tensor> { ["conv1"] = activation }).item<float>());
    }

    [Theory]
    [InlineData(128, 96, true)]
    [InlineData(64, 48, false)]
    public void Build_LogsOnce_WhenTheGuideIsPooled(int width, int height, bool pooled)
    {
        var sink = new LoggingTests.ListLoggerFactory();
        using var model = Model();
        using var guide = TestImages.Noise(width, height);
        using (new DreamBuilder().UseModel(model, ownsModel: false).UseObjective(0.5 * Objective.Guided("conv1", guide))
                   .UseLoggerFactory(sink).Build()) { }
        var events = sink.Events.Where(e => e.Id.Name == "GuidePooled").ToList();
        if (!pooled)
        {
            Assert.Empty(events);
            return;
        }
        var e = Assert.Single(events);
        Assert.Equal(LogLevel.Information, e.Level);
        Assert.Equal("The guide's features at 'conv1' are 128×96 positions; pooled to 104×78 (at most 8192) so that matching them stays fast", e.Message);
    }
}
