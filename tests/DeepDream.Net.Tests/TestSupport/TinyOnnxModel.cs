using DeepDream.Tests.Models.Onnx;

namespace DeepDream.Tests.TestSupport;

/// <summary>A one-convolution ONNX model (3→2 channels, 3×3, padded; output <c>y</c>) written to a temporary file.</summary>
internal static class TinyOnnxModel
{
    public static string Save() => new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
        .Init("w", [.. Enumerable.Range(0, 2 * 3 * 9).Select(i => (i % 5 - 2) * 0.1f)], 2, 3, 3, 3)
        .Node("Conv", ["x", "w"], ["y"], attributes: ("pads", new long[] { 1, 1, 1, 1 }))
        .Save();
}
