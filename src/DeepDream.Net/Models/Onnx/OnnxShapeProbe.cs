using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>What one probe run found: every value's shape (null when not computed), its peak activation memory, and the first failure.</summary>
/// <param name="Shapes">Each value's shape, or null.</param>
/// <param name="PeakBytes">The most activation bytes alive at once.</param>
/// <param name="FirstFailure">What the first failing operator said, naming it; null when none failed.</param>
/// <param name="Structural">Whether that failure is one no input size can fix (<see cref="OnnxStructureException"/>).</param>
/// <param name="Floating">Each computed value's element type: floating point (true), integer or bool (false); null when not computed.</param>
/// <param name="OperatorsRun">How many operators were computed (the others were skipped, see <see cref="OnnxOp.ShapeOnly"/>, or not reached).</param>
internal sealed record OnnxProbeResult(long[]?[] Shapes, long PeakBytes, string? FirstFailure, bool Structural, bool?[] Floating, int OperatorsRun)
{
    /// <summary>Whether value <paramref name="id"/> was computed with no empty dimension.</summary>
    public bool Computed(int id) => Shapes[id] is { } s && s.All(d => d > 0);
}

/// <summary>
/// Runs a graph to learn shapes, not values, with bounded memory: each value is freed right after its last reader runs
/// and each operator's temporaries right after it, so the peak is the largest set of activations alive at once, not all
/// of them. Operators that fail (an input too small, a fixed-size reshape) leave their outputs and dependants uncomputed.
/// Element-wise operators on activations are not computed at all (<see cref="OnnxOp.ShapeOnly"/>): their output shape is
/// their input's, so a long chain of them costs no tensor work.
/// </summary>
internal sealed class OnnxShapeProbe
{
    private readonly OnnxGraph _graph;
    private readonly int[] _lastUse;

    public OnnxShapeProbe(OnnxGraph graph)
    {
        _graph = graph;
        _lastUse = new int[graph.ValueNames.Count];
        Array.Fill(_lastUse, -1);
        for (var i = 0; i < graph.Ops.Count; i++)
            foreach (var id in graph.Ops[i].ReferencedValues)
                _lastUse[id] = i;
    }

    /// <summary>Runs operators 0…<paramref name="lastOp"/> on <paramref name="input"/> (which the probe disposes).</summary>
    public OnnxProbeResult Run(Tensor input, int lastOp)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = _graph.NewValues(input);
        var shapes = new long[]?[values.Length];
        var floating = new bool?[values.Length];
        shapes[_graph.InputId] = input.shape;
        long live = Bytes(input), peak = live;
        string? failure = null;
        var structural = false;
        var operatorsRun = 0;
        var ops = _graph.Ops;
        for (var i = 0; i <= lastOp && i < ops.Count; i++)
        {
            var op = ops[i];
            if (!op.ReferencedValues.Any(id => values[id] is null))
            {
                using var opScope = NewDisposeScope();
                try
                {
                    if (op.Outputs is [var only and >= 0] && op.ShapeOnly(values) is { } same) values[only] = same;
                    else
                    {
                        op.Run(values);
                        operatorsRun++;
                    }
                    foreach (var o in op.Outputs)
                    {
                        if (o < 0 || values[o] is not { } t) continue;
                        t.MoveToOuterDisposeScope();
                        shapes[o] = t.shape;
                        floating[o] = t.is_floating_point();
                        live += Bytes(t);
                    }
                }
#pragma warning disable CA1031 // Probing: any failure (native size errors included) means "not computable at this size".
                catch (Exception e)
#pragma warning restore CA1031
                {
                    if (failure is null)
                    {
                        structural = e is OnnxStructureException;
                        failure = structural ? e.Message
                            : $"node '{op.NodeName}' ({op.OpType}) fails on a {input.shape[3]}×{input.shape[2]} input: {Diagnostics.NativeErrors.Summary(e)}";
                    }
                    foreach (var o in op.Outputs)
                        if (o >= 0) values[o] = null;
                }
            }
            peak = Math.Max(peak, live);
            // Free run-time values nothing later reads (the input and the graph's constants stay).
            foreach (var id in op.ReferencedValues.Concat(op.Outputs))
            {
                if (id < 0 || _lastUse[id] > i || _graph.ProducerOf(id) < 0 || values[id] is not { } dead) continue;
                live -= Bytes(dead);
                dead.Dispose();
                values[id] = null;
            }
        }
        return new OnnxProbeResult(shapes, peak, failure, structural, floating, operatorsRun);
    }

    private static long Bytes(Tensor t) => t.numel() * t.ElementSize;
}
