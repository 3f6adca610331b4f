using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Operators that change only the shape or order of elements, and those that report shapes.</summary>
internal static class ShapeOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["Identity"] = c => new IdentityOp(c);
        table["Dropout"] = c => Dropout(c);
        table["Flatten"] = c => new FlattenOp(c);
        table["Reshape"] = c => new ReshapeOp(c);
        table["Shape"] = c => new ShapeOp(c);
        table["Size"] = c => new UnaryOp(c, x => tensor(x.numel()));
        table["Unsqueeze"] = c => new UnsqueezeOp(c, squeeze: false);
        table["Squeeze"] = c => new UnsqueezeOp(c, squeeze: true);
        table["Transpose"] = c => new TransposeOp(c);
        table["Expand"] = c => new ExpandOp(c);
    }

    /// <summary>Dropout is the identity in inference; training mode (random) is refused rather than silently ignored.</summary>
    private static IdentityOp Dropout(OpContext c)
    {
        // Opset 12+ says so with the training_mode input (before, exporters wrote inference graphs regardless of is_test).
        var training = c.Opset >= 12 && c.HasInput(2) && (c.ConstantInput(2) is not { } t || HostInts.Scalar(t) != 0);
        var ratio = c.Opset >= 12 ? c.ConstantScalar(1) ?? (c.HasInput(1) ? 1 : 0.5) : c.Float("ratio", 0.5f);
        if (training && ratio != 0)
            throw c.Error("training-mode Dropout (random zeroing) is not supported; export the model in eval mode");
        return new IdentityOp(c);
    }

    /// <summary>The NumPy broadcast of two shapes (right-aligned; 1 stretches).</summary>
    public static long[] Broadcast(long[] a, long[] b, string node)
    {
        var rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            var y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (x != y && x != 1 && y != 1)
                throw new InvalidOperationException($"node '{node}': shapes [{string.Join(", ", a)}] and [{string.Join(", ", b)}] do not broadcast");
            result[i] = x == 1 ? y : x;
        }
        return result;
    }
}

/// <summary>Identity and inference-mode Dropout (with its optional all-true mask).</summary>
internal sealed class IdentityOp : OnnxOp
{
    public IdentityOp(OpContext c) : base(c) { }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        Out(values, x.alias());
        if (Outputs.Length > 1 && Outputs[1] >= 0) Out(values, ones_like(x, ScalarType.Bool), 1);
    }

    /// <inheritdoc />
    public override Tensor? ShapeOnly(Tensor?[] values) => Outputs.Length == 1 ? In(values, 0).alias() : null;
}

internal sealed class FlattenOp : OnnxOp
{
    private readonly long _axis;

    public FlattenOp(OpContext c) : base(c) => _axis = c.Int("axis", 1);

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var axis = _axis < 0 ? _axis + x.dim() : _axis;
        long outer = 1;
        for (var i = 0; i < axis; i++) outer *= x.shape[i];
        Out(values, x.reshape(outer, x.numel() == 0 ? 0 : -1));
    }
}

/// <summary>Reshape with the shape from an attribute (before opset 5) or an input; 0 copies a dimension unless allowzero.</summary>
internal sealed class ReshapeOp : OnnxOp
{
    private readonly IntsArg _shape;
    private readonly bool _allowZero;
    private int _keepLeading;
    private int _keepTrailing;

    public ReshapeOp(OpContext c) : base(c)
    {
        _allowZero = c.Int("allowzero", 0) == 1;
        _shape = c.Opset < 5 || !c.HasInput(1) ? IntsArg.Of(c.Ints("shape") ?? throw c.Error("needs a 'shape' attribute or a second input")) : c.IntsInput(1);
    }

    /// <summary>Whether the target shape is a load-time constant (what exporters write for a fixed input size).</summary>
    public bool HasConstantShape => _shape.Fixed is not null;

    /// <summary>
    /// Lets a constant target shape follow the input: given the input shape seen at the model's export size, leading and
    /// trailing target dimensions equal to the input's (batch, height, width in a channel shuffle [1,116,28,28] →
    /// [1,2,58,28,28]) are taken from the actual input at run time, when the dimensions between them are a pure regrouping
    /// (same element count). At the export size nothing changes; at other sizes such a reshape works instead of failing.
    /// One inferred dimension (-1, as PyTorch 1.13 writes the merge [1,-1,28,28]) is read as its value at the export size.
    /// Called once at load, before the graph runs concurrently.
    /// </summary>
    public void FollowInput(long[] exportInputShape)
    {
        if (_shape.Fixed is not { } fixedTarget || fixedTarget.Any(d => d == 0 || d < -1) || fixedTarget.Count(d => d == -1) > 1) return;
        var target = (long[])fixedTarget.Clone();
        if (Array.IndexOf(target, -1L) is >= 0 and var inferred)
        {
            var known = target.Where(d => d != -1).Aggregate(1L, (a, b) => a * b);
            var total = exportInputShape.Aggregate(1L, (a, b) => a * b);
            if (known == 0 || total % known != 0) return;
            target[inferred] = total / known;
        }
        int leading = 0, trailing = 0;
        while (leading < target.Length && leading < exportInputShape.Length && target[leading] == exportInputShape[leading]) leading++;
        while (trailing < target.Length - leading && trailing < exportInputShape.Length - leading
            && target[^(trailing + 1)] == exportInputShape[^(trailing + 1)]) trailing++;
        long Product(IEnumerable<long> dims) => dims.Aggregate(1L, (a, b) => a * b);
        if (Product(target[leading..^trailing]) != Product(exportInputShape[leading..^trailing])) return;
        (_keepLeading, _keepTrailing) = (leading, trailing);
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var shape = (long[])_shape.Resolve(values)!.Clone();
        if (!_allowZero)
            for (var i = 0; i < shape.Length; i++)
                if (shape[i] == 0) shape[i] = x.shape[i];
        if (x.dim() >= _keepLeading + _keepTrailing)
        {
            for (var i = 0; i < _keepLeading; i++) shape[i] = x.shape[i];
            for (var i = 1; i <= _keepTrailing; i++) shape[^i] = x.shape[^i];
        }
        Out(values, x.reshape(shape));
    }
}

/// <summary>Shape (with the opset-15 start/end), computed on the host so shape arithmetic never waits for a device.</summary>
internal sealed class ShapeOp : OnnxOp
{
    private readonly long _start;
    private readonly long? _end;

    public ShapeOp(OpContext c) : base(c)
    {
        _start = c.Int("start", 0);
        _end = c.Has("end") ? c.Int("end", 0) : null;
    }

    public override void Run(Tensor?[] values)
    {
        var shape = In(values, 0).shape;
        var n = shape.Length;
        var start = Math.Clamp(_start < 0 ? _start + n : _start, 0, n);
        var end = Math.Clamp(_end is { } e ? (e < 0 ? e + n : e) : n, start, n);
        Out(values, tensor(shape[(int)start..(int)end]));
    }
}

/// <summary>Squeeze and Unsqueeze with axes from an attribute (before opset 13) or an input.</summary>
internal sealed class UnsqueezeOp : OnnxOp
{
    private readonly bool _squeeze;
    private readonly IntsArg _axes;

    public UnsqueezeOp(OpContext c, bool squeeze) : base(c)
    {
        _squeeze = squeeze;
        _axes = c.Opset >= 13 ? c.IntsInput(1) : c.Ints("axes") is { } a ? IntsArg.Of(a) : IntsArg.None;
        if (!squeeze && !_axes.IsPresent) throw c.Error("needs axes (attribute before opset 13, second input from opset 13)");
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var axes = _axes.Resolve(values);
        if (_squeeze)
        {
            var drop = axes is null
                ? Enumerable.Range(0, (int)x.dim()).Where(i => x.shape[i] == 1).Select(i => (long)i).ToHashSet()
                : axes.Select(a => OnnxOperators.Axis(a, x.dim(), NodeName)).ToHashSet();
            var kept = new List<long>();
            for (var i = 0; i < x.dim(); i++)
            {
                if (!drop.Contains(i)) kept.Add(x.shape[i]);
                else if (x.shape[i] != 1) throw new InvalidOperationException($"Squeeze node '{NodeName}' cannot remove axis {i} of size {x.shape[i]}");
            }
            Out(values, x.reshape([.. kept]));
            return;
        }
        var rank = x.dim() + axes!.Length;
        var shape = new long[rank];
        var inserted = new bool[rank];
        foreach (var a in axes) inserted[OnnxOperators.Axis(a, rank, NodeName)] = true;
        var source = 0;
        for (var i = 0; i < rank; i++) shape[i] = inserted[i] ? 1 : x.shape[source++];
        Out(values, x.reshape(shape));
    }
}

internal sealed class TransposeOp : OnnxOp
{
    private readonly long[]? _perm;

    public TransposeOp(OpContext c) : base(c) => _perm = c.Ints("perm");

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var perm = _perm ?? [.. Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i)];
        Out(values, x.permute(perm));
    }
}

/// <summary>Expand: broadcasts the input against a shape (both ways: the result may keep the input's larger dimensions).</summary>
internal sealed class ExpandOp : OnnxOp
{
    private readonly IntsArg _shape;

    public ExpandOp(OpContext c) : base(c) => _shape = c.IntsInput(1);

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var shape = ShapeOps.Broadcast(x.shape, _shape.Resolve(values)!, NodeName);
        using var view = x.reshape([.. Enumerable.Repeat(1L, shape.Length - (int)x.dim()), .. x.shape]);
        Out(values, view.expand(shape));
    }
}
