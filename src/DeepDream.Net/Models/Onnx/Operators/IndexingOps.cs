using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Selecting, cutting, joining and writing: Gather(Elements), Slice, Split, Concat, Tile, ScatterND, ScatterElements.</summary>
internal static class IndexingOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["Gather"] = c => new GatherOp(c);
        table["GatherElements"] = c => new GatherElementsOp(c);
        table["Slice"] = c => new SliceOp(c);
        table["Split"] = c => new SplitOp(c);
        table["Concat"] = c => new ConcatOp(c);
        table["Tile"] = c => new TileOp(c);
        table["ScatterND"] = c => new ScatterOp(c, elements: false);
        table["ScatterElements"] = c => new ScatterOp(c, elements: true);
        table["Scatter"] = c => new ScatterOp(c, elements: true);
    }

    /// <summary>Integer indices with ONNX's negative-from-the-end convention, on the data's device.</summary>
    public static Tensor Indices(Tensor indices, Tensor data, long axis)
    {
        var idx = indices.device == data.device ? indices : indices.to(data.device);
        idx = idx.to_type(ScalarType.Int64);
        return where(idx.lt(0), idx.add(data.shape[axis]), idx);
    }
}

internal sealed class GatherOp : OnnxOp
{
    private readonly long _axis;

    public GatherOp(OpContext c) : base(c) => _axis = c.Int("axis", 0);

    public override void Run(Tensor?[] values)
    {
        var data = In(values, 0);
        var indices = In(values, 1);
        var axis = OnnxOperators.Axis(_axis, data.dim(), NodeName);
        using var scope = NewDisposeScope();
        var idx = IndexingOps.Indices(indices, data, axis);
        var picked = data.index_select(axis, idx.flatten());
        var shape = new List<long>((int)(data.dim() + indices.dim()));
        shape.AddRange(data.shape[..(int)axis]);
        shape.AddRange(indices.shape);
        shape.AddRange(data.shape[((int)axis + 1)..]);
        Out(values, picked.reshape([.. shape]).MoveToOuterDisposeScope());
    }
}

internal sealed class GatherElementsOp : OnnxOp
{
    private readonly long _axis;

    public GatherElementsOp(OpContext c) : base(c) => _axis = c.Int("axis", 0);

    public override void Run(Tensor?[] values)
    {
        var data = In(values, 0);
        var axis = OnnxOperators.Axis(_axis, data.dim(), NodeName);
        using var scope = NewDisposeScope();
        var idx = IndexingOps.Indices(In(values, 1), data, axis);
        Out(values, data.gather(axis, idx).MoveToOuterDisposeScope());
    }
}

/// <summary>Slice with starts/ends/axes/steps from attributes (before opset 10) or inputs; negative steps walk backwards.</summary>
internal sealed class SliceOp : OnnxOp
{
    private readonly IntsArg _starts;
    private readonly IntsArg _ends;
    private readonly IntsArg _axes;
    private readonly IntsArg _steps;

    public SliceOp(OpContext c) : base(c)
    {
        if (c.Opset < 10)
        {
            _starts = IntsArg.Of(c.Ints("starts") ?? throw c.Error("needs 'starts'"));
            _ends = IntsArg.Of(c.Ints("ends") ?? throw c.Error("needs 'ends'"));
            _axes = c.Ints("axes") is { } a ? IntsArg.Of(a) : IntsArg.None;
            _steps = IntsArg.None;
        }
        else
        {
            _starts = c.IntsInput(1);
            _ends = c.IntsInput(2);
            _axes = c.IntsInput(3);
            _steps = c.IntsInput(4);
            if (!_starts.IsPresent || !_ends.IsPresent) throw c.Error("needs the 'starts' and 'ends' inputs");
        }
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var starts = _starts.Resolve(values)!;
        var ends = _ends.Resolve(values)!;
        var axes = _axes.Resolve(values) ?? [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
        var steps = _steps.Resolve(values) ?? [.. Enumerable.Repeat(1L, starts.Length)];
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw new InvalidOperationException($"Slice node '{NodeName}' has starts, ends, axes and steps of different lengths");
        using var scope = NewDisposeScope();
        var y = x;
        for (var i = 0; i < starts.Length; i++)
        {
            var axis = OnnxOperators.Axis(axes[i], x.dim(), NodeName);
            var size = y.shape[axis];
            var step = steps[i];
            if (step == 0) throw new InvalidOperationException($"Slice node '{NodeName}' has a zero step");
            var start = starts[i] < 0 ? starts[i] + size : starts[i];
            var end = ends[i] < 0 ? ends[i] + size : ends[i];
            if (step > 0)
            {
                start = Math.Clamp(start, 0, size);
                end = Math.Clamp(end, 0, size);
                y = end > start ? y.slice(axis, start, end, step) : y.narrow(axis, 0, 0);
            }
            else
            {
                // Backwards: start clamps to [0, size−1], end to [−1, size−1]; taken as explicit indices.
                start = Math.Clamp(start, 0, size - 1);
                end = Math.Clamp(ends[i] < -size ? -1 : end, -1, size - 1);
                var count = start > end ? (start - end - 1) / -step + 1 : 0;
                var index = new long[count];
                for (var k = 0; k < count; k++) index[k] = start + k * step;
                y = y.index_select(axis, tensor(index, device: y.device));
            }
        }
        Out(values, y.alias().MoveToOuterDisposeScope());
    }
}

/// <summary>Split into parts given by 'split' (attribute, or input from opset 13), 'num_outputs' (opset 18), or equal parts.</summary>
internal sealed class SplitOp : OnnxOp
{
    private readonly long _axis;
    private readonly IntsArg _split;

    public SplitOp(OpContext c) : base(c)
    {
        _axis = c.Int("axis", 0);
        _split = c.Opset >= 13 ? c.IntsInput(1) : c.Ints("split") is { } s ? IntsArg.Of(s) : IntsArg.None;
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var axis = OnnxOperators.Axis(_axis, x.dim(), NodeName);
        var size = x.shape[axis];
        var parts = Outputs.Length;
        var split = _split.Resolve(values);
        if (split is null)
        {
            // Equal parts; with opset 18's num_outputs the last part may be smaller.
            var chunk = (size + parts - 1) / parts;
            split = [.. Enumerable.Range(0, parts).Select(i => Math.Max(0, Math.Min(chunk, size - i * chunk)))];
        }
        if (split.Length != parts || split.Sum() != size)
            throw new InvalidOperationException($"Split node '{NodeName}' cannot cut an axis of {size} into [{string.Join(", ", split)}] for {parts} outputs");
        long offset = 0;
        for (var i = 0; i < parts; i++)
        {
            Out(values, x.narrow(axis, offset, split[i]), i);
            offset += split[i];
        }
    }
}

internal sealed class ConcatOp : OnnxOp
{
    private readonly long _axis;

    public ConcatOp(OpContext c) : base(c) => _axis = c.Has("axis") ? c.Int("axis", 1) : c.Opset < 4 ? 1 : throw c.Error("needs an 'axis' attribute");

    public override void Run(Tensor?[] values)
    {
        var parts = new List<Tensor>(Inputs.Length);
        for (var i = 0; i < Inputs.Length; i++)
            if (Inputs[i] >= 0) parts.Add(In(values, i));
        var first = parts[0];
        var axis = OnnxOperators.Axis(_axis, first.dim(), NodeName);
        // Shape arithmetic may mix CPU shape tensors with constants; keep them together on the first input's device.
        for (var i = 1; i < parts.Count; i++)
            if (parts[i].device != first.device) parts[i] = parts[i].to(first.device);
        Out(values, cat(parts, axis));
    }
}

internal sealed class TileOp : OnnxOp
{
    private readonly IntsArg _repeats;

    public TileOp(OpContext c) : base(c) => _repeats = c.IntsInput(1);

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var repeats = _repeats.Resolve(values)!;
        if (repeats.Length != x.dim()) throw new InvalidOperationException($"Tile node '{NodeName}' needs one repeat count per axis ({x.dim()}), got {repeats.Length}");
        Out(values, x.tile(repeats));
    }
}
