using DeepDream.Features;
using DeepDream.Models.Onnx;
using static DeepDream.Tests.Models.Onnx.OnnxTestRunner;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>Operators a user registers through <see cref="OnnxImportOptions.CustomOperators"/>.</summary>
public sealed class OnnxCustomOperatorTests
{
    private static OnnxTestWriter ScaledSwishModel() => new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
        .Node("Relu", ["x"], ["r"], name: "relu")
        .DomainNode("com.example", "ScaledSwish", ["x", "r"], ["y"], "swish1", ("alpha", 0.5f));

    /// <summary>alpha · a · sigmoid(a) + b, reading its attribute at load.</summary>
    private static OnnxOperatorSet ScaledSwish() => new OnnxOperatorSet().Add("com.example", "ScaledSwish", node =>
    {
        var alpha = node.GetFloat("alpha", 1f);
        return inputs => [inputs[0]!.mul(inputs[0]!.sigmoid()).mul(alpha).add(inputs[1]!)];
    });

    [Fact]
    public void UnknownOperator_WithoutRegistration_FailsNamingTheOptionThatAddsIt()
    {
        var path = ScaledSwishModel().Save();
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains("operator 'ScaledSwish' from domain 'com.example'", e.Message);
        Assert.Contains("register it with OnnxImportOptions.CustomOperators", e.Message);
    }

    [Fact]
    public void RegisteredOperator_ComputesWithItsAttributeAndPassesGradients()
    {
        var path = ScaledSwishModel().Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw, new OnnxImportOptions { CustomOperators = ScaledSwish() });
        Assert.Equal(["r", "y"], model.LayerNames);
        using var scope = NewDisposeScope();
        var x = tensor(new[] { -2f, -0.5f, 0f, 0.5f, 1f, 3f }).reshape(1, 3, 1, 2).requires_grad_(true);
        var y = model.Extract(x, ["y"])["y"];
        var expected = x.detach().mul(x.detach().sigmoid()).mul(0.5).add(x.detach().relu());
        AssertClose(expected, y.detach(), 1e-6);
        // d/dx [0.5·x·σ(x) + relu(x)] = 0.5·(σ(x) + x·σ(x)(1 − σ(x))) + [x > 0]
        y.sum().backward();
        var s = x.detach().sigmoid();
        var analytic = s.add(x.detach().mul(s).mul(s.neg().add(1))).mul(0.5).add(x.detach().gt(0).to_type(ScalarType.Float32));
        AssertClose(analytic, x.grad!, 1e-6);
    }

    [Fact]
    public void RegisteredOperator_ReplacesABuiltInOne()
    {
        // Relu redefined as the identity: layer 'r' now equals the input, negative values included.
        var operators = new OnnxOperatorSet().AddElementwise("Relu", t => t);
        var path = new OnnxTestWriter().Input("x").Output("r").Node("Relu", ["x"], ["r"]).Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw, new OnnxImportOptions { CustomOperators = operators });
        using var scope = NewDisposeScope();
        var x = tensor(new[] { -1f, 2f, -3f }).reshape(1, 3, 1, 1);
        Assert.Equal([-1f, 2f, -3f], Values(model.Extract(x, ["r"])["r"]));
    }

    [Fact]
    public void KernelReturningTooFewOutputs_FailsNamingTheNode()
    {
        var operators = new OnnxOperatorSet().Add("com.example", "ScaledSwish", _ => _ => []);
        var path = ScaledSwishModel().Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw, new OnnxImportOptions { CustomOperators = operators });
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsAny<Exception>(() => model.Extract(zeros(1, 3, 2, 2), ["y"]));
        Assert.Contains("custom operator 'ScaledSwish' of node 'swish1' returned 0 output(s) but the node uses 1", e.Message);
    }

    [Fact]
    public void Add_SameOperatorTwice_Throws()
    {
        var set = new OnnxOperatorSet().AddElementwise("Swish", t => t.sigmoid());
        var e = Assert.Throws<ArgumentException>(() => set.AddElementwise("Swish", t => t));
        Assert.Contains("'Swish' is already registered", e.Message);
        Assert.Equal([("", "Swish")], set.Operators);
    }

    [Fact]
    public void UnknownOperatorInDeadCode_IsDroppedWithWhatOnlyItFeeds()
    {
        // 'debug' and its reader 'debug2' reach no graph output; the live path is Relu only.
        var path = new OnnxTestWriter().Input("x").Output("y")
            .Node("Relu", ["x"], ["y"])
            .DomainNode("com.example", "Probe", ["x"], ["debug"])
            .Node("Relu", ["debug"], ["debug2"]).Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw);
        Assert.Equal(["y"], model.LayerNames);
        using var scope = NewDisposeScope();
        Assert.Equal([0f, 2f, 0f], Values(model.Extract(tensor(new[] { -1f, 2f, -3f }).reshape(1, 3, 1, 1), ["y"])["y"]));
    }

    [Fact]
    public void KernelReturningAWeightItself_LeavesTheWeightIntactAcrossRuns()
    {
        // 'Weight' hands back its second input, the graph's constant w: the probes free their outputs, never w.
        var operators = new OnnxOperatorSet().Add("Weight", _ => inputs => [inputs[1]!]);
        var path = new OnnxTestWriter().Input("x").Output("y").Init("w", [1f, 2f, 3f], 1, 3, 1, 1)
            .Node("Weight", ["x", "w"], ["k"]).Node("Mul", ["x", "k"], ["y"]).Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw, new OnnxImportOptions { CustomOperators = operators });
        for (var i = 0; i < 3; i++) Assert.Equal(new long[] { 1, 3, 2, 2 }, model.ListLayers(2, 2).Single(l => l.Name == "y").Shape);
        Assert.Equal(1, model.GetMinimumInputSize(["y"]));
        using var scope = NewDisposeScope();
        Assert.Equal([1f, 2f, 3f], Values(model.Extract(ones(1, 3, 1, 1), ["y"])["y"]));
    }
}
