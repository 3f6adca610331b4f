using DeepDream.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>Builds a graph from an <see cref="OnnxTestWriter"/> model and runs it on any input (not only images).</summary>
internal static class OnnxTestRunner
{
    public static Tensor Run(OnnxTestWriter model, Tensor input, string output = "y", OnnxImportOptions? options = null)
    {
        using var graph = OnnxModelLoader.BuildGraph(model.ToBytes(), "'test model'", null, options ?? new OnnxImportOptions(), CPU);
        var id = graph.RuntimeId(output);
        Assert.True(id >= 0, $"'{output}' is not a run-time value");
        var values = graph.Run(input, [id]);
        return values[id]!;
    }

    public static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = Values(expected);
        var a = Values(actual);
        for (var i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])), $"element {i}: expected {e[i]}, got {a[i]}");
    }
}
