using DeepDream.Models.Onnx;
using static DeepDream.Tests.Models.Onnx.OnnxTestRunner;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>
/// Operator behaviours an outside check found silently wrong or badly reported (training-mode BatchNormalization run in
/// inference mode, integer Div as true division, Cast to bfloat16 refused with a raw enum number), on exact values.
/// </summary>
public sealed class OnnxReportedBugTests
{
    [Fact]
    public void BatchNormalization_TrainingMode_NormalisesWithTheBatchStatistics()
    {
        using var scope = NewDisposeScope();
        // The running mean/variance (0 and 1) would leave 2·x + 1; the batch's mean 4 and biased variance 5 must be used.
        var model = new OnnxTestWriter(opset: 15).Input("x").Output("y")
            .Init("g", [2f], 1).Init("b", [1f], 1).Init("m", [0f], 1).Init("v", [1f], 1)
            .Node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], attributes: [("epsilon", 0f), ("training_mode", 1L)]);
        var y = Run(model, tensor(new[] { 1f, 3f, 5f, 7f }).reshape(2, 1, 1, 2));
        var s = MathF.Sqrt(5);
        AssertClose(tensor(new[] { 2 * -3 / s + 1, 2 * -1 / s + 1, 2 * 1 / s + 1, 2 * 3 / s + 1 }).reshape(2, 1, 1, 2), y);
    }

    [Fact]
    public void Div_OfIntegers_TruncatesTowardsZero()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y")
            .InitLongs("a", [7, -7, 6, -1], 4).InitLongs("d", [2, 2, -4, 3], 4)
            .Node("Div", ["a", "d"], ["q"]).Node("Cast", ["q"], ["qf"], attributes: [("to", 1L)]).Node("Add", ["x", "qf"], ["y"]);
        Assert.Equal(new[] { 3f, -3f, -1f, 0f }, Values(Run(model, zeros(4))));
    }

    [Fact]
    public void Cast_ToBFloat16_RoundsToNearestEven_LikePyTorch()
    {
        using var scope = NewDisposeScope();
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Node("Cast", ["x"], ["b"], attributes: [("to", 16L)]).Node("Cast", ["b"], ["y"], attributes: [("to", 1L)]);
        // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷ (to even: 1); 1 + 3·2⁻⁸ halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶ (to even:
        // 1 + 2⁻⁶; truncation would give 1 + 2⁻⁷); 1 + 2⁻⁷ is exact.
        var y = Values(Run(model, tensor(new[] { 1.00390625f, 1.01171875f, 1.0078125f, -3.0f })));
        Assert.Equal(new[] { 1f, 1.015625f, 1.0078125f, -3f }, y);
    }

    [Fact]
    public void Cast_ToAnUnsupportedType_NamesTheType()
    {
        var model = new OnnxTestWriter().Input("x").Output("y").Node("Cast", ["x"], ["y"], name: "to_text", attributes: [("to", 8L)]);
        var e = Assert.Throws<ModelLoadException>(() => Run(model, zeros(2)));
        Assert.Contains("casting to string is not supported (numeric and bool types are)", e.Message);
        Assert.Contains("to_text", e.Message);
        Assert.DoesNotContain("casting to 8", e.Message);
    }

    [Fact]
    public void Cast_WithoutItsToAttribute_IsRefusedAtLoad()
    {
        // ONNX requires 'to'; a patched model without it used to be taken as a cast to float.
        var model = new OnnxTestWriter().Input("x").Output("y").Node("Cast", ["x"], ["y"], name: "no_type");
        var e = Assert.Throws<ModelLoadException>(() => Run(model, zeros(2)));
        Assert.Contains("needs a 'to' attribute", e.Message);
        Assert.Contains("no_type", e.Message);
    }
}
