using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>A node computed by a caller-registered <see cref="OnnxKernel"/>.</summary>
internal sealed class CustomOp : OnnxOp
{
    private readonly OnnxKernel _kernel;

    public CustomOp(OpContext c, Func<OnnxNode, OnnxKernel> factory) : base(c)
    {
        _kernel = factory(new OnnxNode(c)) ?? throw c.Error("the registered operator factory returned no kernel");
    }

    public override void Run(Tensor?[] values)
    {
        var inputs = new Tensor?[Inputs.Length];
        for (var i = 0; i < inputs.Length; i++) inputs[i] = OptionalIn(values, i);
        IReadOnlyList<Tensor> outputs;
        try
        {
            outputs = _kernel(inputs);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"the custom operator '{OpType}' of node '{NodeName}' failed: {e.Message}", e);
        }
        var wanted = Outputs.Length;
        while (wanted > 0 && Outputs[wanted - 1] < 0) wanted--;
        if (outputs is null || outputs.Count < wanted)
            throw new InvalidOperationException($"the custom operator '{OpType}' of node '{NodeName}' returned {outputs?.Count ?? 0} output(s) but the node uses {wanted}");
        for (var i = 0; i < wanted; i++)
        {
            // A kernel may hand back one of its inputs (or a weight): store a separate handle, so that freeing the
            // output never frees the graph's own tensor.
            var output = outputs[i];
            Out(values, inputs.Any(t => ReferenceEquals(t, output)) ? output.alias() : output, i);
        }
    }
}
