using DeepDream.Models.Onnx;
using TorchSharp;
using static DeepDream.Tests.Models.Onnx.OnnxTestRunner;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>Each supported operator on a tiny hand-made graph, against exact expected values or an independent torch computation.</summary>
public sealed class OnnxOperatorTests
{
    private static Tensor Ramp(params long[] shape) => arange(shape.Aggregate(1L, (a, b) => a * b), ScalarType.Float32).reshape(shape);

    private static float[] Seq(int n, float scale = 0.1f, float offset = 0f) => [.. Enumerable.Range(0, n).Select(i => i * scale + offset)];

    [Fact]
    public void Conv_SymmetricPadsGroupsDilationsStrides_MatchesConv2d()
    {
        using var scope = NewDisposeScope();
        var w = Seq(4 * 2 * 3 * 3, 0.01f, -0.3f);
        var b = new[] { 0.5f, -1f, 2f, 0f };
        var model = new OnnxTestWriter().Input("x").Output("y").Init("w", w, 4, 2, 3, 3).Init("b", b, 4)
            .Node("Conv", ["x", "w", "b"], ["y"], attributes: [("pads", new long[] { 2, 2, 2, 2 }), ("group", 2L), ("dilations", new long[] { 2, 2 }), ("strides", new long[] { 2, 1 })]);
        var x = Ramp(1, 4, 7, 6) / 10;
        var expected = F.conv2d(x, tensor(w).reshape(4, 2, 3, 3), tensor(b), [2, 1], [2, 2], [2, 2], 2);
        AssertClose(expected, Run(model, x), 1e-5);
    }

    [Fact]
    public void Conv_AsymmetricPads_MatchesExplicitPadThenConv()
    {
        using var scope = NewDisposeScope();
        var w = Seq(9, 1f, 1f);
        var model = new OnnxTestWriter().Input("x").Output("y").Init("w", w, 1, 1, 3, 3)
            .Node("Conv", ["x", "w"], ["y"], attributes: [("pads", new long[] { 1, 1, 0, 0 }), ("strides", new long[] { 2, 2 }), ("kernel_shape", new long[] { 3, 3 })]);
        var x = Ramp(1, 1, 5, 5);
        var y = Run(model, x);
        // Top/left padded by one, bottom/right not: output (5 + 1 − 3) / 2 + 1 = 2.
        var expected = F.conv2d(F.pad(x, [1, 0, 1, 0]), tensor(w).reshape(1, 1, 3, 3), null, [2, 2]);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        AssertClose(expected, y);
        // Hand check of the top-left output: the window covers the padded corner, so only x[0..1,0..1] with weights 5,6,8,9.
        Assert.Equal(0 * 5 + 1 * 6 + 5 * 8 + 6 * 9, Values(y)[0]);
    }

    [Fact]
    public void Conv_SymmetricPadsFromBegin_PadsBothSidesByTheBeginAmount()
    {
        using var scope = NewDisposeScope();
        var w = Seq(9, 1f, 1f);
        var model = new OnnxTestWriter().Input("x").Output("y").Init("w", w, 1, 1, 3, 3)
            .Node("Conv", ["x", "w"], ["y"], attributes: [("pads", new long[] { 1, 1, 0, 0 }), ("strides", new long[] { 2, 2 })]);
        var x = Ramp(1, 1, 5, 5);
        var y = Run(model, x, options: new OnnxImportOptions { SymmetricPadsFromBegin = true });
        AssertClose(F.conv2d(x, tensor(w).reshape(1, 1, 3, 3), null, [2, 2], [1, 1]), y);
        Assert.Equal(new long[] { 1, 1, 3, 3 }, y.shape);
    }

    [Fact]
    public void Conv_AutoPadSameUpper_KeepsSizeAndPutsTheExtraPadAtTheEnd()
    {
        using var scope = NewDisposeScope();
        var w = new[] { 1f, 2f, 3f, 4f };
        var model = new OnnxTestWriter().Input("x").Output("y").Init("w", w, 1, 1, 2, 2)
            .Node("Conv", ["x", "w"], ["y"], attributes: [("auto_pad", "SAME_UPPER")]);
        var x = Ramp(1, 1, 4, 5);
        var y = Run(model, x);
        Assert.Equal(new long[] { 1, 1, 4, 5 }, y.shape);
        AssertClose(F.conv2d(F.pad(x, [0, 1, 0, 1]), tensor(w).reshape(1, 1, 2, 2)), y);
    }

    [Fact]
    public void BatchNormalization_Alone_ComputesInferenceFormula()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Init("g", [2f, 0.5f], 2).Init("b", [1f, -1f], 2).Init("m", [0.5f, 2f], 2).Init("v", [4f, 0.25f], 2)
            .Node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], attributes: [("epsilon", 0f)]);
        var x = tensor(new[] { 0.5f, 2.5f, 2f, 3f }).reshape(1, 2, 1, 2);
        var y = Values(Run(model, x));
        // Channel 0: 2·(x − 0.5)/2 + 1; channel 1: 0.5·(x − 2)/0.5 − 1.
        Assert.Equal(new[] { 1f, 3f, -1f, 0f }, y);
    }

    [Fact]
    public void BatchNormalization_FoldedIntoConv_EqualsUnfoldedAndHidesConvOutput()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Init("w", Seq(3 * 2 * 3 * 3, 0.03f, -0.5f), 3, 2, 3, 3).Init("cb", [0.1f, 0.2f, -0.3f], 3)
            .Init("g", [1.5f, 0.7f, -0.2f], 3).Init("b", [0.1f, -0.4f, 0.9f], 3).Init("m", [0.3f, -0.2f, 1f], 3).Init("v", [0.9f, 2f, 0.04f], 3)
            .Node("Conv", ["x", "w", "cb"], ["c"], attributes: [("pads", new long[] { 1, 1, 1, 1 })])
            .Node("BatchNormalization", ["c", "g", "b", "m", "v"], ["y"], attributes: [("epsilon", 1e-5f)]);
        var x = randn(2, 2, 6, 5, generator: new Generator(7));
        var folded = Run(model, x);
        var unfolded = Run(model, x, options: new OnnxImportOptions { FoldBatchNorm = false });
        AssertClose(unfolded, folded, 1e-5);
        using var graph = OnnxModelLoader.BuildGraph(model.ToBytes(), "'test'", null, new OnnxImportOptions(), CPU);
        Assert.Equal(["y"], graph.RuntimeValueNames);
        Assert.Single(graph.Ops);
    }

    [Fact]
    public void Activations_ReluLeakyReluSigmoid_GiveExactValues()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("r").Output("l").Output("s")
            .Node("Relu", ["x"], ["r"]).Node("LeakyRelu", ["x"], ["l"], attributes: [("alpha", 0.25f)]).Node("Sigmoid", ["x"], ["s"]);
        var x = tensor(new[] { -2f, 0f, 3f });
        Assert.Equal(new[] { 0f, 0f, 3f }, Values(Run(model, x, "r")));
        Assert.Equal(new[] { -0.5f, 0f, 3f }, Values(Run(model, x, "l")));
        var s = Values(Run(model, x, "s"));
        Assert.Equal(1 / (1 + Math.Exp(2)), s[0], 6);
        Assert.Equal(0.5, s[1], 6);
    }

    [Fact]
    public void MaxPool_AsymmetricPads_IgnoresPaddingEvenForNegativeInputs()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Node("MaxPool", ["x"], ["y"], attributes: [("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 0, 0 })]);
        var x = -Ramp(1, 1, 4, 4) - 1; // −1 … −16
        var y = Run(model, x);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        // Windows (rows/cols −1..1 and 1..3): maxima −1, −2 (cols 1..3 of row 0 → −2), −5, −6.
        Assert.Equal(new[] { -1f, -2f, -5f, -6f }, Values(y));
    }

    [Fact]
    public void AveragePool_CountIncludePad_DecidesTheDivisor()
    {
        using var scope = NewDisposeScope();
        var x = ones(1, 1, 3, 3);
        var exclude = new OnnxTestWriter().Input("x").Output("y")
            .Node("AveragePool", ["x"], ["y"], attributes: [("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 })]);
        Assert.All(Values(Run(exclude, x)), v => Assert.Equal(1f, v, 6));
        var include = new OnnxTestWriter().Input("x").Output("y")
            .Node("AveragePool", ["x"], ["y"], attributes: [("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("count_include_pad", 1L)]);
        var y = Values(Run(include, x));
        Assert.Equal(4f / 9f, y[0], 6);
        Assert.Equal(1f, y[4], 6);
        var asymmetric = new OnnxTestWriter().Input("x").Output("y")
            .Node("AveragePool", ["x"], ["y"], attributes: [("kernel_shape", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 0, 0 })]);
        var r = Run(asymmetric, Ramp(1, 1, 2, 2));
        // Windows over [[0,1],[2,3]] padded top/left: {0}, {0,1}, {0,2}, {0,1,2,3} averaged over real elements only.
        Assert.Equal(new[] { 0f, 0.5f, 1f, 1.5f }, Values(r));
    }

    [Fact]
    public void GlobalAveragePool_AveragesEachChannel()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y").Node("GlobalAveragePool", ["x"], ["y"]);
        var y = Run(model, Ramp(1, 2, 2, 2));
        Assert.Equal(new long[] { 1, 2, 1, 1 }, y.shape);
        Assert.Equal(new[] { 1.5f, 5.5f }, Values(y));
    }

    [Fact]
    public void ElementwiseOps_BroadcastNumpyStyleAndLegacyAxis()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("a").Output("s").Output("m")
            .Init("c", [10f, 20f], 2, 1, 1)
            .Node("Add", ["x", "c"], ["a"]).Node("Sub", ["x", "c"], ["s"]).Node("Mul", ["x", "c"], ["m"]);
        var x = Ramp(1, 2, 1, 2);
        Assert.Equal(new[] { 10f, 11f, 22f, 23f }, Values(Run(model, x, "a")));
        Assert.Equal(new[] { -10f, -9f, -18f, -17f }, Values(Run(model, x, "s")));
        Assert.Equal(new[] { 0f, 10f, 40f, 60f }, Values(Run(model, x, "m")));
        var legacy = new OnnxTestWriter(opset: 6).Input("x").Output("y").Init("c", [10f, 20f], 2)
            .Node("Add", ["x", "c"], ["y"], attributes: [("broadcast", 1L), ("axis", 1L)]);
        Assert.Equal(new[] { 10f, 11f, 22f, 23f }, Values(Run(legacy, x)));
    }

    [Fact]
    public void Concat_JoinsAlongAxis()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y").Init("c", [7f, 8f], 1, 1, 2)
            .Node("Concat", ["x", "c"], ["y"], attributes: [("axis", -2L)]);
        var y = Run(model, Ramp(1, 2, 2));
        Assert.Equal(new long[] { 1, 3, 2 }, y.shape);
        Assert.Equal(new[] { 0f, 1f, 2f, 3f, 7f, 8f }, Values(y));
    }

    [Theory]
    [InlineData(3L)]
    [InlineData(2L)]
    public void Lrn_MatchesTheOnnxFormula(long size)
    {
        using var scope = NewDisposeScope();
        const float alpha = 0.3f, beta = 0.75f, bias = 2f;
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Node("LRN", ["x"], ["y"], attributes: [("size", size), ("alpha", alpha), ("beta", beta), ("bias", bias)]);
        var x = Ramp(1, 4, 1, 2) / 3;
        var y = Values(Run(model, x));
        var xs = Values(x);
        for (var c = 0; c < 4; c++)
            for (var p = 0; p < 2; p++)
            {
                var lo = Math.Max(0, c - (int)((size - 1) / 2));
                var hi = Math.Min(3, c + (int)Math.Ceiling((size - 1) / 2.0));
                double sum = 0;
                for (var j = lo; j <= hi; j++) sum += xs[j * 2 + p] * xs[j * 2 + p];
                var expected = xs[c * 2 + p] / Math.Pow(bias + alpha / size * sum, beta);
                Assert.Equal(expected, y[c * 2 + p], 5);
            }
    }

    [Fact]
    public void DropoutAndIdentity_PassValuesThrough()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Node("Dropout", ["x"], ["d"], attributes: [("ratio", 0.5f)]).Node("Identity", ["d"], ["y"]);
        var x = Ramp(2, 3);
        Assert.Equal(Values(x), Values(Run(model, x)));
    }

    [Fact]
    public void Flatten_KeepsLeadingDimsUpToAxis()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y").Node("Flatten", ["x"], ["y"], attributes: [("axis", 2L)]);
        Assert.Equal(new long[] { 6, 20 }, Run(model, Ramp(2, 3, 4, 5)).shape);
    }

    [Fact]
    public void Reshape_FromShapeGatherUnsqueezeConcatChain_FollowsTheDynamicInputSize()
    {
        using var scope = NewDisposeScope();
        // torch.onnx.export's x.view(x.size(0), -1) pattern.
        var model = new OnnxTestWriter().Input("x", null, 2, null, null).Output("y")
            .Init(new TestTensor("zero", [], Longs: [0]))
            .Init(new TestTensor("minus1", [1], Longs: [-1], Raw: false))
            .Init(new TestTensor("axes", [1], Longs: [0]))
            .Node("Shape", ["x"], ["s"])
            .Node("Gather", ["s", "zero"], ["n"], attributes: [("axis", 0L)])
            .Node("Unsqueeze", ["n", "axes"], ["u"])
            .Node("Concat", ["u", "minus1"], ["shape"], attributes: [("axis", 0L)])
            .Node("Reshape", ["x", "shape"], ["y"]);
        var small = Run(model, Ramp(3, 2, 2, 2));
        Assert.Equal(new long[] { 3, 8 }, small.shape);
        Assert.Equal(Values(Ramp(3, 2, 2, 2)), Values(small));
        Assert.Equal(new long[] { 2, 2 * 5 * 7 }, Run(model, Ramp(2, 2, 5, 7)).shape);
    }

    [Fact]
    public void Reshape_Opset1Attribute_CopiesZeroDims()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter(opset: 1).Input("x").Output("y")
            .Node("Reshape", ["x"], ["y"], attributes: [("shape", new long[] { 0, -1, 2 })]);
        Assert.Equal(new long[] { 2, 6, 2 }, Run(model, Ramp(2, 3, 4)).shape);
    }

    [Fact]
    public void UnsqueezeSqueeze_AxesAsAttributeBeforeOpset13AndAsInputFrom13()
    {
        using var scope = NewDisposeScope();
        var old = new OnnxTestWriter(opset: 11).Input("x").Output("u").Output("y")
            .Node("Unsqueeze", ["x"], ["u"], attributes: [("axes", new long[] { 0, -1 })])
            .Node("Squeeze", ["u"], ["y"], attributes: [("axes", new long[] { 0 })]);
        var x = Ramp(2, 3);
        Assert.Equal(new long[] { 1, 2, 3, 1 }, Run(old, x, "u").shape);
        Assert.Equal(new long[] { 2, 3, 1 }, Run(old, x, "y").shape);
        var current = new OnnxTestWriter(opset: 13).Input("x").Output("u").Output("y")
            .InitLongs("ua", [1], 1).InitLongs("sa", [1, 3], 2)
            .Node("Unsqueeze", ["x", "ua"], ["u"])
            .Node("Squeeze", ["u", "sa"], ["y"]);
        var x2 = Ramp(2, 3, 1);
        Assert.Equal(new long[] { 2, 1, 3, 1 }, Run(current, x2, "u").shape);
        Assert.Equal(new long[] { 2, 3 }, Run(current, x2, "y").shape);
    }

    [Fact]
    public void Gemm_TransBAlphaBetaWithBias_MatchesFormula()
    {
        using var scope = NewDisposeScope();
        var b = new[] { 1f, 2f, 3f, 4f, 5f, 6f }; // B is 2×3, used transposed (3×2)
        var model = new OnnxTestWriter().Input("x").Output("y").Init("b", b, 2, 3).Init("c", [10f, 20f], 2)
            .Node("Gemm", ["x", "b", "c"], ["y"], attributes: [("transB", 1L), ("alpha", 2f), ("beta", 0.5f)]);
        var x = tensor(new[] { 1f, 0f, 1f, 0f, 1f, 0f }).reshape(2, 3);
        // Row 0: [1,0,1]·B^T = [4, 10]; row 1: [0,1,0]·B^T = [2, 5]; ×2 + 0.5·[10,20].
        Assert.Equal(new[] { 13f, 30f, 9f, 20f }, Values(Run(model, x)));
    }

    [Fact]
    public void MatMul_MultipliesBatchedMatrices()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y").Init("w", [1f, 0f, 0f, 1f, 1f, 1f], 3, 2).Node("MatMul", ["x", "w"], ["y"]);
        // [0,1,2]·W = [2,3]; [3,4,5]·W = [8,9].
        Assert.Equal(new[] { 2f, 3f, 8f, 9f }, Values(Run(model, Ramp(1, 2, 3))));
    }

    [Fact]
    public void Softmax_Opset11CoercesTo2D_Opset13UsesOneAxis()
    {
        using var scope = NewDisposeScope();
        var x = Ramp(1, 2, 2);
        var old = new OnnxTestWriter(opset: 11).Input("x").Output("y").Node("Softmax", ["x"], ["y"], attributes: [("axis", 1L)]);
        var yOld = Values(Run(old, x));
        var denominator = Enumerable.Range(0, 4).Sum(i => Math.Exp(i));
        Assert.Equal(Math.Exp(3) / denominator, yOld[3], 6);
        var current = new OnnxTestWriter(opset: 13).Input("x").Output("y").Node("Softmax", ["x"], ["y"], attributes: [("axis", 1L)]);
        var yNew = Values(Run(current, x));
        Assert.Equal(Math.Exp(3) / (Math.Exp(1) + Math.Exp(3)), yNew[3], 6);
    }

    [Fact]
    public void Clip_MinMaxAsAttributesBeforeOpset11AndAsInputsFrom11()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { -3f, 0.5f, 9f });
        var old = new OnnxTestWriter(opset: 6).Input("x").Output("y").Node("Clip", ["x"], ["y"], attributes: [("min", 0f), ("max", 6f)]);
        Assert.Equal(new[] { 0f, 0.5f, 6f }, Values(Run(old, x)));
        var current = new OnnxTestWriter(opset: 11).Input("x").Output("y").Init(new TestTensor("lo", [], Floats: [-1f]))
            .Node("Clip", ["x", "lo", ""], ["y"]);
        Assert.Equal(new[] { -1f, 0.5f, 9f }, Values(Run(current, x)));
    }

    [Fact]
    public void Pad_AttributesBeforeOpset11_InputsFrom11_ConstantAndReflect()
    {
        using var scope = NewDisposeScope();
        var x = Ramp(1, 1, 1, 3);
        var old = new OnnxTestWriter(opset: 2).Input("x").Output("y")
            .Node("Pad", ["x"], ["y"], attributes: [("pads", new long[] { 0, 0, 0, 1, 0, 0, 0, 2 }), ("value", 5f)]);
        Assert.Equal(new[] { 5f, 0f, 1f, 2f, 5f, 5f }, Values(Run(old, x)));
        var current = new OnnxTestWriter(opset: 11).Input("x").Output("y").InitLongs("p", [0, 0, 0, 2, 0, 0, 0, 1], 8)
            .Node("Pad", ["x", "p"], ["y"], attributes: [("mode", "reflect")]);
        Assert.Equal(new[] { 2f, 1f, 0f, 1f, 2f, 1f }, Values(Run(current, x)));
    }

    [Fact]
    public void ConstantNode_IsFoldedAtLoadAndUsable()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Node("Constant", [], ["k"], attributes: [("value", new TestTensor("k", [2], Floats: [1f, 2f]))])
            .Node("Mul", ["k", "k"], ["k2"])
            .Node("Add", ["x", "k2"], ["y"]);
        Assert.Equal(new[] { 1f, 5f }, Values(Run(model, Ramp(2))));
        using var graph = OnnxModelLoader.BuildGraph(model.ToBytes(), "'test'", null, new OnnxImportOptions(), CPU);
        Assert.Equal(["y"], graph.RuntimeValueNames);
    }

    [Fact]
    public void Gather_NegativeIndexCountsFromTheEnd()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y").InitLongs("i", [-1, 0], 2)
            .Node("Gather", ["x", "i"], ["y"], attributes: [("axis", 1L)]);
        var y = Run(model, Ramp(2, 3));
        Assert.Equal(new[] { 2f, 0f, 5f, 3f }, Values(y));
    }

    [Fact]
    public void TransposeAndCast_Work()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Node("Transpose", ["x"], ["t"], attributes: [("perm", new long[] { 1, 0 })])
            .Node("Cast", ["t"], ["y"], attributes: [("to", 1L)]);
        var y = Run(model, Ramp(2, 3));
        Assert.Equal(new long[] { 3, 2 }, y.shape);
        Assert.Equal(new[] { 0f, 3f, 1f, 4f, 2f, 5f }, Values(y));
    }
}
