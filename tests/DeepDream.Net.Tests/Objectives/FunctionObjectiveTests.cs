using DeepDream.Objectives;
using DeepDream.Tests.TestSupport;
using DeepDream.Tiling;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Objectives;

/// <summary>Objectives written as functions: autograd gradients against the hand-written ones and finite differences.</summary>
public sealed class FunctionObjectiveTests
{
    private static Tensor ImageGradient(TinyExtractor model, Objective objective, Tensor image)
    {
        using var evaluator = objective.Bind(model);
        var gradients = new GradientComputer(model, evaluator, objective.Layers, tileSize: 1024);
        return gradients.Compute(image, wantValue: false).Gradient;
    }

    [Fact]
    public void HalfSumOfSquares_GivesExactlyTheL2Gradient_AtTheLayerAndAtTheImage()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor(seed: 4);
        var function = Objective.FromFunction("conv2", a => a.square().sum() * 0.5);
        var activation = rand([1, 6, 3, 4], generator: new Generator(2)).sub_(0.5);
        var acts = new Dictionary<string, Tensor> { ["conv2"] = activation };

        using var byFunction = function.Bind(model);
        var layer = new LayerGradients();
        byFunction.AccumulateGradients(acts, 1.5, layer);
        Assert.True(layer["conv2"].allclose(activation.mul(1.5), rtol: 1e-6, atol: 1e-7));
        using var l2 = Objective.L2("conv2").Bind(model);
        Assert.Equal(l2.Value(acts).item<float>(), byFunction.Value(acts).item<float>(), 5);

        var image = rand([1, 3, 9, 7], generator: new Generator(5));
        var expected = ImageGradient(model, Objective.L2("conv2"), image);
        var got = ImageGradient(model, function, image);
        Assert.True(got.allclose(expected, rtol: 1e-5, atol: 1e-7), $"max difference {(got - expected).abs().max().item<float>()}");
        Assert.True(expected.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void MultiLayerFunction_ImageGradient_MatchesCentralFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor(seed: 3, dtype: ScalarType.Float64);
        // A non-linear mix of two layers: mean(conv1²) · Σ tanh(conv2) + max over conv2's channel 2.
        var objective = Objective.FromFunction(["conv1", "conv2"],
            a => a["conv1"].square().mean() * a["conv2"].tanh().sum() + a["conv2"][.., 2].amax([0, 1, 2]).sum());
        using var evaluator = objective.Bind(model);
        var image = rand([1, 3, 5, 6], dtype: ScalarType.Float64, generator: new Generator(11));
        var analytic = ImageGradient(model, objective, image).flatten();

        double Value(Tensor x)
        {
            using var inner = NewDisposeScope();
            return evaluator.Value(model.Extract(x, objective.Layers)).item<double>();
        }

        const double Eps = 1e-6;
        var checkedCount = 0;
        for (var i = 0; i < image.numel(); i += 5)
        {
            var plus = image.clone();
            plus.flatten()[i] += Eps;
            var minus = image.clone();
            minus.flatten()[i] -= Eps;
            var numeric = (Value(plus) - Value(minus)) / (2 * Eps);
            Assert.Equal(numeric, analytic[i].item<double>(), 5);
            checkedCount++;
        }
        Assert.True(checkedCount >= 18);
        Assert.True(analytic.abs().max().item<double>() > 1e-3);
    }

    [Fact]
    public void FunctionThatIgnoresALayer_GivesNoGradientThere()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor();
        using var evaluator = Objective.FromFunction(["conv1", "conv2"], a => a["conv2"].sum()).Bind(model);
        var grads = new LayerGradients();
        evaluator.AccumulateGradients(new Dictionary<string, Tensor> { ["conv1"] = rand(1, 4, 2, 2), ["conv2"] = rand(1, 6, 1, 1) }, 1.0, grads);
        Assert.Equal(["conv2"], grads.Layers);
        Assert.True(grads["conv2"].eq(1).all().item<bool>());
    }

    [Fact]
    public void FunctionReturningAMap_IsRejectedWithAHint()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor();
        using var evaluator = Objective.FromFunction("conv2", a => a.square(), name: "squares").Bind(model);
        var e = Assert.Throws<InvalidOperationException>(() =>
            evaluator.AccumulateGradients(new Dictionary<string, Tensor> { ["conv2"] = rand(1, 6, 2, 2) }, 1.0, new LayerGradients()));
        Assert.Equal("The function of objective squares returned a tensor of shape [1×6×2×2]; it must return one number: reduce it, for example with .sum() or .mean().", e.Message);
    }

    [Fact]
    public void FunctionObjective_ChecksLayersWhenBound_AndDreams()
    {
        using var model = new TinyExtractor();
        Assert.Throws<DeepDream.Features.UnknownLayerException>(() => Objective.FromFunction("conv9", a => a.sum()).Bind(model));
        Assert.Throws<ArgumentException>(() => Objective.FromFunction(["conv1", "conv1"], a => a["conv1"].sum()));
        Assert.Throws<ArgumentException>(() => Objective.FromFunction([], a => a.Values.First().sum()));

        var objective = Objective.FromFunction("conv1", a => a.abs().mean());
        Assert.Equal("Function(conv1)", objective.ToString());
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).UseObjective(objective).Octaves(1).Steps(2).Seed(1).Build();
        using var image = TestImages.Noise(12, 10);
        using var output = dreamer.Run(image);
        Assert.NotEqual(TestImages.Bytes(image), TestImages.Bytes(output));
    }

    [Fact]
    public void Algebra_MinusNegationAndDivision_CombineWeights()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor();
        var a = Objective.L2("conv1");
        var b = Objective.L2("conv2");
        var objective = a - b / 4 + -(2 * a) / 0.5;
        var sum = Assert.IsType<WeightedSumObjective>(objective);
        Assert.Equal([1.0, -0.25, -4.0], sum.WeightedTerms.Select(t => t.Weight));
        Assert.Equal("L2(conv1) − 0.25·L2(conv2) − 4·L2(conv1)", objective.ToString());
        Assert.Equal("−L2(conv2)", (-b).ToString());
        Assert.Equal(a.Subtract(b).ToString(), (a - b).ToString());
        Assert.Equal(b.Negate().ToString(), (-b).ToString());
        Assert.Equal(b.Divide(2).ToString(), (b / 2).ToString());
        Assert.Throws<ArgumentException>(() => a / 0);
        Assert.Throws<ArgumentException>(() => a / double.NaN);

        using var evaluator = objective.Bind(model);
        var a1 = rand(1, 4, 3, 3);
        var a2 = rand(1, 6, 2, 2);
        var grads = new LayerGradients();
        evaluator.AccumulateGradients(new Dictionary<string, Tensor> { ["conv1"] = a1, ["conv2"] = a2 }, 1.0, grads);
        Assert.True(grads["conv1"].allclose(a1.mul(-3)));
        Assert.True(grads["conv2"].allclose(a2.mul(-0.25)));
    }

    [Fact]
    public void FunctionAndBuiltIn_Compose()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor(seed: 2);
        var image = rand([1, 3, 8, 8], generator: new Generator(9));
        var composed = Objective.L2("conv1") - 0.5 * Objective.FromFunction("conv2", a => a.square().sum() * 0.5);
        var reference = Objective.L2("conv1") - 0.5 * Objective.L2("conv2");
        Assert.True(ImageGradient(model, composed, image).allclose(ImageGradient(model, reference, image), rtol: 1e-5, atol: 1e-7));
    }
}
