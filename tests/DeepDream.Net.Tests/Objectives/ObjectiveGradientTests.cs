using DeepDream.Features;
using DeepDream.Objectives;
using DeepDream.Tests.TestSupport;
using DeepDream.Tiling;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Objectives;

/// <summary>The gradient the loop uses (objective's layer gradients, backpropagated to the image) against finite differences.</summary>
public sealed class ObjectiveGradientTests
{
    public static TheoryData<string> Objectives => ["l2", "channels", "sum", "guided"];

    [Theory]
    [MemberData(nameof(Objectives))]
    public void ImageGradient_MatchesCentralFiniteDifferences(string kind)
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor(seed: 3, dtype: ScalarType.Float64);
        var objective = Create(kind);
        using var evaluator = objective.Bind(model);
        var gradients = new GradientComputer(model, evaluator, objective.Layers, tileSize: 1024);
        var image = rand([1, 3, 5, 6], dtype: ScalarType.Float64, generator: new Generator(11));

        var (gradient, _) = gradients.Compute(image, wantValue: false);

        const double Eps = 1e-6;
        var flat = image.flatten();
        var analytic = gradient.flatten();
        for (var i = 0; i < flat.shape[0]; i += 7)
        {
            var plus = image.clone();
            plus.flatten()[i] += Eps;
            var minus = image.clone();
            minus.flatten()[i] -= Eps;
            var numeric = (Value(model, evaluator, objective, plus) - Value(model, evaluator, objective, minus)) / (2 * Eps);
            Assert.Equal(numeric, analytic[i].item<double>(), 5);
        }
    }

    [Fact]
    public void L2_LayerGradientIsTheActivationItself()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor();
        using var evaluator = Objective.L2("conv2").Bind(model);
        var activation = rand(1, 6, 3, 3);
        var grads = new LayerGradients();
        evaluator.AccumulateGradients(new Dictionary<string, Tensor> { ["conv2"] = activation }, 1.0, grads);
        Assert.True(grads["conv2"].eq(activation).all().item<bool>());
        Assert.Equal(0.5 * activation.square().sum().item<float>(), evaluator.Value(new Dictionary<string, Tensor> { ["conv2"] = activation }).item<float>(), 4);
    }

    [Fact]
    public void Channels_GradientIsZeroOutsideTheSubset()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor();
        using var evaluator = Objective.Channels("conv2", [1, 4]).Bind(model);
        var activation = arange(6 * 2 * 2, dtype: ScalarType.Float32).reshape(1, 6, 2, 2);
        var grads = new LayerGradients();
        evaluator.AccumulateGradients(new Dictionary<string, Tensor> { ["conv2"] = activation }, 2.0, grads);
        var g = grads["conv2"];
        for (var c = 0; c < 6; c++)
        {
            var expected = c is 1 or 4 ? activation[0, c].mul(2) : zeros(2, 2);
            Assert.True(g[0, c].eq(expected).all().item<bool>(), $"channel {c}");
        }
    }

    [Fact]
    public void Channels_OutOfRange_ListsTheLayerChannelCount()
    {
        using var model = new TinyExtractor();
        var error = Assert.Throws<ArgumentException>(() => Objective.Channels("conv2", [2, 6]).Bind(model));
        Assert.Contains("Channel 6", error.Message);
        Assert.Contains("6 channels (0–5)", error.Message);
    }

    [Fact]
    public void Channels_EmptyOrDuplicate_AreRejected()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Objective.Channels("conv2", [])).Message);
        Assert.Contains("distinct", Assert.Throws<ArgumentException>(() => Objective.Channels("conv2", [1, 1])).Message);
    }

    [Fact]
    public void WeightedSum_AddsScaledLayerGradients_AndFlattens()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor();
        var objective = 0.5 * Objective.L2("conv1") + 2 * (Objective.L2("conv2") + Objective.L2("conv1"));
        var sum = Assert.IsType<WeightedSumObjective>(objective);
        Assert.Equal([0.5, 2.0, 2.0], sum.WeightedTerms.Select(t => t.Weight));
        Assert.Equal(["conv1", "conv2"], objective.Layers);
        Assert.Equal("0.5·L2(conv1) + 2·L2(conv2) + 2·L2(conv1)", objective.ToString());

        using var evaluator = objective.Bind(model);
        var a1 = rand(1, 4, 3, 3);
        var a2 = rand(1, 6, 2, 2);
        var acts = new Dictionary<string, Tensor> { ["conv1"] = a1, ["conv2"] = a2 };
        var grads = new LayerGradients();
        evaluator.AccumulateGradients(acts, 1.0, grads);
        Assert.True(grads["conv1"].allclose(a1.mul(2.5)));
        Assert.True(grads["conv2"].allclose(a2.mul(2)));
        var expected = 2.5 * 0.5 * a1.square().sum().item<float>() + 2 * 0.5 * a2.square().sum().item<float>();
        Assert.Equal(expected, evaluator.Value(acts).item<float>(), 3);
    }

    [Fact]
    public void UnknownLayer_MessageListsValidLayers()
    {
        using var model = new TinyExtractor();
        var error = Assert.Throws<UnknownLayerException>(() => Objective.L2("layer9").Bind(model));
        Assert.Equal("Unknown layer 'layer9' for model 'tiny'; valid layers: conv1, conv2. (Parameter 'layer')", error.Message);
    }

    private static Objective Create(string kind) => kind switch
    {
        "l2" => Objective.L2("conv2"),
        "channels" => Objective.Channels("conv2", [0, 3, 5]),
        "sum" => 0.3 * Objective.L2("conv1") + Objective.L2("conv2"),
        "guided" => Objective.Guided("conv2", TestImages.Noise(6, 4)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static double Value(TinyExtractor model, IObjectiveEvaluator evaluator, Objective objective, Tensor image)
    {
        // For the guided objective the value Σ_n max_m A[:,n]·G[:,m] is piecewise linear in A; with the argmax fixed
        // (small steps) its derivative is G[:, m*], the gradient the objective hands back.
        using var scope = NewDisposeScope();
        return evaluator.Value(model.Extract(image, objective.Layers)).to(ScalarType.Float64).item<double>();
    }
}
