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
        for (var i = 1; i <= 5; i++) ConvRelu(w, i == 1 ? "x" : $"r{i - 1}", $"{i}", i == 1 ? 3 : 8, kernel: 3, stride: 2);
        return w.Node("GlobalAveragePool", ["r5"], ["pooled"]).Node("Flatten", ["pooled"], ["logits"]);
    }

    /// <summary>
    /// r1 … r4 as in <see cref="Create"/>, then a ResNet-50-style first block of the next stage: a 1×1 stride-1
    /// convolution (cp, rp: still 1/16) feeding a 3×3 stride-2 one, beside a 1×1 stride-2 shortcut from r4, added at
    /// 1/32. The last 1/16 value is rp, inside the block; the last one every path goes through is r4.
    /// </summary>
    public static OnnxTestWriter CreateWithBottleneck()
    {
        var w = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("logits");
        for (var i = 1; i <= 4; i++) ConvRelu(w, i == 1 ? "x" : $"r{i - 1}", $"{i}", i == 1 ? 3 : 8, kernel: 3, stride: 2);
        ConvRelu(w, "r4", "p", 8, kernel: 1, stride: 1);
        ConvRelu(w, "rp", "q", 8, kernel: 3, stride: 2);
        ConvRelu(w, "r4", "d", 8, kernel: 1, stride: 2);
        return w.Node("Add", ["rq", "rd"], ["sum"]).Node("GlobalAveragePool", ["sum"], ["pooled"]).Node("Flatten", ["pooled"], ["logits"]);
    }

    /// <summary>Adds c{suffix} = Conv(input) with 8 output channels and r{suffix} = Relu(c{suffix}).</summary>
    private static void ConvRelu(OnnxTestWriter w, string input, string suffix, int channels, int kernel, int stride)
    {
        var weights = new float[8 * channels * kernel * kernel];
        for (var k = 0; k < weights.Length; k++) weights[k] = MathF.Sin(0.7f * k + suffix.Length + suffix[0]) * 0.3f;
        var pad = kernel / 2;
        w.Init($"w{suffix}", weights, 8, channels, kernel, kernel).Init($"b{suffix}", [.. Enumerable.Repeat(0.05f, 8)], 8)
            .Node("Conv", [input, $"w{suffix}", $"b{suffix}"], [$"c{suffix}"], name: $"conv{suffix}",
                attributes: [("kernel_shape", new long[] { kernel, kernel }), ("strides", new long[] { stride, stride }), ("pads", new long[] { pad, pad, pad, pad })])
            .Node("Relu", [$"c{suffix}"], [$"r{suffix}"], name: $"relu{suffix}");
    }

    /// <summary>Writes the model to a fresh temporary folder and returns its path.</summary>
    public static string Save(string fileName = "ladder.onnx") => Create().Save(fileName);
}
