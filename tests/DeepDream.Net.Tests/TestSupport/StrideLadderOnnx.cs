using DeepDream.Tests.Models.Onnx;

namespace DeepDream.Tests.TestSupport;

/// <summary>
/// A tiny ONNX classifier "from another source" (no aliases): five 3×3 stride-2 convolutions with ReLUs (8 channels,
/// outputs r1 … r5 at 1/2 … 1/32 of the input's side), a global average pool and a flatten. Its default dream layer by
/// the ONNX rule is r4, the last output at 1/16 resolution.
/// </summary>
internal static class StrideLadderOnnx
{
    public static OnnxTestWriter Create()
    {
        var w = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("logits");
        var input = "x";
        var channels = 3;
        for (var i = 1; i <= 5; i++)
        {
            var weights = new float[8 * channels * 9];
            for (var k = 0; k < weights.Length; k++) weights[k] = MathF.Sin(0.7f * k + i) * 0.3f;
            w.Init($"w{i}", weights, 8, channels, 3, 3).Init($"b{i}", [.. Enumerable.Repeat(0.05f, 8)], 8)
                .Node("Conv", [input, $"w{i}", $"b{i}"], [$"c{i}"], name: $"conv{i}",
                    attributes: [("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 })])
                .Node("Relu", [$"c{i}"], [$"r{i}"], name: $"relu{i}");
            input = $"r{i}";
            channels = 8;
        }
        return w.Node("GlobalAveragePool", ["r5"], ["pooled"]).Node("Flatten", ["pooled"], ["logits"]);
    }

    /// <summary>Writes the model to a fresh temporary folder and returns its path.</summary>
    public static string Save(string fileName = "ladder.onnx") => Create().Save(fileName);
}
