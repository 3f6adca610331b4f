using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Models.Onnx;

/// <summary>The supported ONNX operators (default domain) and the factory that turns a node into an <see cref="OnnxOp"/>.</summary>
internal static class OnnxOperators
{
    private static readonly Dictionary<string, Func<OpContext, OnnxOp>> Factories = new(StringComparer.Ordinal)
    {
        ["Identity"] = c => new IdentityOp(c),
        ["Dropout"] = c => new IdentityOp(c),
        ["Constant"] = c => new ConstantOp(c),
        ["Conv"] = c => new ConvOp(c),
        ["BatchNormalization"] = c => new BatchNormOp(c),
        ["Relu"] = c => new UnaryOp(c, x => F.relu(x)),
        ["LeakyRelu"] = c => LeakyRelu(c),
        ["Sigmoid"] = c => new UnaryOp(c, x => x.sigmoid()),
        ["Tanh"] = c => new UnaryOp(c, x => x.tanh()),
        ["MaxPool"] = c => new PoolOp(c, isMax: true),
        ["AveragePool"] = c => new PoolOp(c, isMax: false),
        ["GlobalAveragePool"] = c => new GlobalAveragePoolOp(c),
        ["Add"] = c => new BinaryOp(c, (a, b) => a.add(b)),
        ["Sub"] = c => new BinaryOp(c, (a, b) => a.sub(b)),
        ["Mul"] = c => new BinaryOp(c, (a, b) => a.mul(b)),
        ["Div"] = c => new BinaryOp(c, (a, b) => a.div(b)),
        ["Concat"] = c => new ConcatOp(c),
        ["LRN"] = c => new LrnOp(c),
        ["Flatten"] = c => new FlattenOp(c),
        ["Reshape"] = c => new ReshapeOp(c),
        ["Shape"] = c => new ShapeOp(c),
        ["Gather"] = c => new GatherOp(c),
        ["Unsqueeze"] = c => new UnsqueezeOp(c, squeeze: false),
        ["Squeeze"] = c => new UnsqueezeOp(c, squeeze: true),
        ["Gemm"] = c => new GemmOp(c),
        ["MatMul"] = c => new BinaryOp(c, (a, b) => a.matmul(b), legacyBroadcast: false),
        ["Softmax"] = c => new SoftmaxOp(c),
        ["Clip"] = c => new ClipOp(c),
        ["Pad"] = c => new PadOp(c),
        ["Transpose"] = c => new TransposeOp(c),
        ["Cast"] = c => new CastOp(c),
    };

    /// <summary>Every supported operator type, sorted, for error messages.</summary>
    public static IReadOnlyList<string> Supported { get; } = [.. Factories.Keys.Order(StringComparer.Ordinal)];

    public static bool IsSupported(string opType, string domain) =>
        domain is "" or "ai.onnx" && Factories.ContainsKey(opType);

    public static OnnxOp Create(OpContext context) => Factories[context.Node.OpType](context);

    private static UnaryOp LeakyRelu(OpContext c)
    {
        var alpha = c.Float("alpha", 0.01f);
        return new UnaryOp(c, x => F.leaky_relu(x, alpha));
    }

    /// <summary>Normalises a possibly negative axis for a tensor of rank <paramref name="rank"/>.</summary>
    internal static long Axis(long axis, long rank, string node)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new InvalidOperationException($"axis {axis} is out of range for a rank-{rank} tensor in node '{node}'");
        return a;
    }
}

internal sealed class IdentityOp : OnnxOp
{
    public IdentityOp(OpContext c) : base(c) { }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        Out(values, x.alias());
        // Dropout's optional mask output: all kept in inference.
        if (Outputs.Length > 1 && Outputs[1] >= 0) Out(values, ones_like(x, ScalarType.Bool), 1);
    }
}

internal sealed class ConstantOp : OnnxOp
{
    private readonly OnnxTensorProto? _tensor;
    private readonly float[]? _floats;
    private readonly long[]? _ints;
    private readonly bool _scalar;
    private readonly Func<OnnxTensorProto, Tensor> _materialize;

    public ConstantOp(OpContext c) : base(c)
    {
        _materialize = c.Materialize;
        var attributes = c.Node.Attributes;
        if (attributes.TryGetValue("value", out var v) && v.T is not null) _tensor = v.T;
        else if (attributes.TryGetValue("value_float", out var f) && f.F is { } fv) (_floats, _scalar) = ([fv], true);
        else if (attributes.TryGetValue("value_floats", out var fs)) _floats = [.. fs.Floats];
        else if (attributes.TryGetValue("value_int", out var i) && i.I is { } iv) (_ints, _scalar) = ([iv], true);
        else if (attributes.TryGetValue("value_ints", out var @is)) _ints = [.. @is.Ints];
        else throw c.Error("needs a 'value', 'value_float(s)' or 'value_int(s)' attribute (sparse and string constants are not supported)");
    }

    public override void Run(Tensor?[] values)
    {
        Tensor result;
        if (_tensor is not null) result = _materialize(_tensor);
        else if (_floats is not null) result = _scalar ? tensor(_floats[0]) : tensor(_floats);
        else result = _scalar ? tensor(_ints![0]) : tensor(_ints!);
        Out(values, result);
    }
}

internal sealed class UnaryOp : OnnxOp
{
    private readonly Func<Tensor, Tensor> _f;

    public UnaryOp(OpContext c, Func<Tensor, Tensor> f) : base(c) => _f = f;

    public override void Run(Tensor?[] values) => Out(values, _f(In(values, 0)));
}

internal sealed class BinaryOp : OnnxOp
{
    private readonly Func<Tensor, Tensor, Tensor> _f;
    private readonly long? _legacyAxis;

    public BinaryOp(OpContext c, Func<Tensor, Tensor, Tensor> f, bool legacyBroadcast = true) : base(c)
    {
        _f = f;
        // Opset < 7: 'broadcast=1' with 'axis' aligns B's dimensions starting at 'axis' of A.
        if (legacyBroadcast && c.Opset < 7 && c.Int("broadcast", 0) == 1 && c.Has("axis")) _legacyAxis = c.Int("axis", 0);
    }

    public override void Run(Tensor?[] values)
    {
        var a = In(values, 0);
        var b = In(values, 1);
        if (_legacyAxis is { } axis && b.dim() < a.dim())
        {
            var start = axis < 0 ? axis + a.dim() : axis;
            var shape = new long[a.dim()];
            Array.Fill(shape, 1L);
            for (var i = 0; i < b.dim(); i++) shape[start + i] = b.shape[i];
            b = b.view(shape);
        }
        Out(values, _f(a, b));
    }
}

/// <summary>How a convolution or pooling pads: symmetric (native padding), explicit asymmetric, or computed per input (auto_pad).</summary>
internal sealed class PadSpec
{
    private readonly long[] _kernel;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly string _autoPad;

    public PadSpec(OpContext c, long[] kernel, long[] strides, long[] dilations)
    {
        _kernel = kernel;
        _strides = strides;
        _dilations = dilations;
        _autoPad = c.String("auto_pad", "NOTSET");
        var rank = kernel.Length;
        var pads = c.Ints("pads") ?? new long[2 * rank];
        if (pads.Length != 2 * rank) throw c.Error($"'pads' needs {2 * rank} values, got {pads.Length}");
        if (_autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            IsAuto = true;
            Symmetric = new long[rank];
            return;
        }
        if (_autoPad is not ("NOTSET" or "VALID" or "")) throw c.Error($"auto_pad '{_autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        if (_autoPad == "VALID") pads = new long[2 * rank];
        if (c.Options.SymmetricPadsFromBegin)
            for (var i = 0; i < rank; i++) pads[rank + i] = pads[i];
        var symmetric = true;
        for (var i = 0; i < rank; i++) symmetric &= pads[i] == pads[rank + i];
        if (symmetric)
        {
            Symmetric = pads[..rank];
        }
        else
        {
            Symmetric = new long[rank];
            Explicit = TorchPadList(pads, rank);
        }
    }

    /// <summary>Padding given to the native operator (both sides).</summary>
    public long[] Symmetric { get; }

    /// <summary>Asymmetric padding applied with F.pad first, in torch order (last dim first), or null.</summary>
    public long[]? Explicit { get; }

    public bool IsAuto { get; }

    /// <summary>True when the native operator's own padding cannot express this (asymmetric or auto).</summary>
    public bool NeedsExplicitPad => Explicit is not null || IsAuto;

    /// <summary>The explicit pad list for an input with spatial sizes taken from <paramref name="x"/>.</summary>
    public long[] ExplicitFor(Tensor x)
    {
        if (!IsAuto) return Explicit!;
        var rank = _kernel.Length;
        var pads = new long[2 * rank];
        for (var i = 0; i < rank; i++)
        {
            var size = x.shape[x.dim() - rank + i];
            var output = (size + _strides[i] - 1) / _strides[i];
            var total = Math.Max(0, (output - 1) * _strides[i] + (_kernel[i] - 1) * _dilations[i] + 1 - size);
            var begin = _autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            pads[i] = begin;
            pads[rank + i] = total - begin;
        }
        return TorchPadList(pads, rank);
    }

    /// <summary>ONNX [b1..bn, e1..en] to torch's (bn, en, ..., b1, e1).</summary>
    private static long[] TorchPadList(long[] pads, int rank)
    {
        var list = new long[2 * rank];
        for (var i = 0; i < rank; i++)
        {
            list[2 * i] = pads[rank - 1 - i];
            list[2 * i + 1] = pads[2 * rank - 1 - i];
        }
        return list;
    }
}

internal sealed class ConvOp : OnnxOp
{
    private readonly int _weight;
    private readonly int _bias;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly long _groups;
    private readonly PadSpec _pads;

    public ConvOp(OpContext c, int? foldedWeight = null, int? foldedBias = null) : base(c)
    {
        var weight = c.ConstantInput(1);
        var rank = weight is not null ? weight.dim() - 2 : (c.Ints("kernel_shape")?.Length ?? 2);
        if (rank != 2) throw c.Error($"only 2-D convolutions are supported (this one has {rank} spatial dimensions)");
        var kernel = c.Ints("kernel_shape") ?? (weight is not null ? weight.shape[2..] : throw c.Error("needs 'kernel_shape' when the weight is not a constant"));
        _strides = c.Ints("strides") ?? [1, 1];
        _dilations = c.Ints("dilations") ?? [1, 1];
        _groups = c.Int("group", 1);
        _pads = new PadSpec(c, kernel, _strides, _dilations);
        _weight = foldedWeight ?? c.InputIds[1];
        _bias = foldedBias ?? (c.HasInput(2) ? c.InputIds[2] : -1);
    }

    /// <summary>Value id of the (possibly BatchNorm-folded) weight.</summary>
    public int WeightId => _weight;

    /// <summary>Value id of the (possibly BatchNorm-folded) bias, or -1.</summary>
    public int BiasId => _bias;

    /// <summary>Strides, native (symmetric) padding, dilations and groups as given to <c>conv2d</c>.</summary>
    public (long[] Strides, long[] Padding, long[] Dilations, long Groups) Geometry => (_strides, _pads.Symmetric, _dilations, _groups);

    /// <summary>Whether an explicit <c>F.pad</c> runs before the convolution.</summary>
    public bool NeedsExplicitPad => _pads.NeedsExplicitPad;

    public override IEnumerable<int> ReferencedValues => new[] { Inputs[0], _weight, _bias }.Where(i => i >= 0);

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var w = values[_weight]!;
        var b = _bias >= 0 ? values[_bias] : null;
        if (_pads.NeedsExplicitPad) x = F.pad(x, _pads.ExplicitFor(x));
        Out(values, F.conv2d(x, w, b, _strides, _pads.Symmetric, _dilations, _groups));
    }
}

internal sealed class BatchNormOp : OnnxOp
{
    private readonly int _scale2;
    private readonly int _shift2;
    private readonly int _scale4;
    private readonly int _shift4;

    public BatchNormOp(OpContext c) : base(c)
    {
        var (scale, shift) = Coefficients(c);
        using (scale)
        using (shift)
        {
            _scale2 = c.AddConstant(scale.reshape(1, -1));
            _shift2 = c.AddConstant(shift.reshape(1, -1));
            _scale4 = c.AddConstant(scale.reshape(1, -1, 1, 1));
            _shift4 = c.AddConstant(shift.reshape(1, -1, 1, 1));
        }
    }

    /// <summary>Inference-mode BN as y = x·scale + shift (per channel; see <see cref="BatchNormFolding.Coefficients"/>).</summary>
    public static (Tensor Scale, Tensor Shift) Coefficients(OpContext c)
    {
        var gamma = c.ConstantInput(1);
        var beta = c.ConstantInput(2);
        var mean = c.ConstantInput(3);
        var variance = c.ConstantInput(4);
        if (gamma is null || beta is null || mean is null || variance is null)
            throw c.Error("scale, bias, mean and variance must be constants (initializers)");
        if (c.Opset < 9 && c.Int("spatial", 1) == 0)
            throw c.Error("per-activation BatchNormalization (spatial=0) is not supported");
        if (gamma.numel() != beta.numel() || gamma.numel() != mean.numel() || gamma.numel() != variance.numel())
            throw c.Error("scale, bias, mean and variance must all have one value per channel");
        return BatchNormFolding.Coefficients(gamma, beta, mean, variance, c.Float("epsilon", 1e-5f));
    }

    public override IEnumerable<int> ReferencedValues => [Inputs[0], _scale2, _shift2, _scale4, _shift4];

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var rank = x.dim();
        Tensor y;
        if (rank == 4) y = addcmul(values[_shift4]!, x, values[_scale4]!, 1);
        else if (rank == 2) y = addcmul(values[_shift2]!, x, values[_scale2]!, 1);
        else
        {
            var shape = new long[rank];
            Array.Fill(shape, 1L);
            shape[1] = -1;
            y = addcmul(values[_shift2]!.view(shape), x, values[_scale2]!.view(shape), 1);
        }
        Out(values, y);
    }
}

internal sealed class PoolOp : OnnxOp
{
    private readonly bool _isMax;
    private readonly long[] _kernel;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly bool _ceil;
    private readonly bool _countIncludePad;
    private readonly PadSpec _pads;
    private readonly bool _explicit;

    public PoolOp(OpContext c, bool isMax) : base(c)
    {
        _isMax = isMax;
        _kernel = c.Ints("kernel_shape") ?? throw c.Error("needs 'kernel_shape'");
        if (_kernel.Length != 2) throw c.Error($"only 2-D pooling is supported (kernel_shape has {_kernel.Length} values)");
        _strides = c.Ints("strides") ?? [1, 1];
        _dilations = c.Ints("dilations") ?? [1, 1];
        if (!isMax && (_dilations[0] != 1 || _dilations[1] != 1)) throw c.Error("dilated average pooling is not supported");
        _ceil = c.Int("ceil_mode", 0) == 1;
        _countIncludePad = c.Int("count_include_pad", 0) == 1;
        _pads = new PadSpec(c, _kernel, _strides, _dilations);
        // torch pools accept at most half the kernel as padding; beyond that, pad explicitly.
        var tooLarge = _pads.Symmetric[0] > _kernel[0] / 2 || _pads.Symmetric[1] > _kernel[1] / 2;
        _explicit = _pads.NeedsExplicitPad || tooLarge;
        if (c.Node.Outputs.Count > 1 && c.Node.Outputs[1].Length > 0) throw c.Error("the Indices output of MaxPool is not supported");
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        if (!_explicit)
        {
            Out(values, _isMax
                ? F.max_pool2d(x, _kernel, _strides, _pads.Symmetric, _dilations, _ceil)
                : F.avg_pool2d(x, _kernel, _strides, _pads.Symmetric, _ceil, _countIncludePad));
            return;
        }
        var pad = _pads.NeedsExplicitPad ? _pads.ExplicitFor(x) : [_pads.Symmetric[1], _pads.Symmetric[1], _pads.Symmetric[0], _pads.Symmetric[0]];
        if (_isMax)
        {
            Out(values, F.max_pool2d(F.pad(x, pad, PaddingModes.Constant, double.NegativeInfinity), _kernel, _strides, [0, 0], _dilations, _ceil));
            return;
        }
        var summed = F.avg_pool2d(F.pad(x, pad), _kernel, _strides, [0, 0], _ceil, true);
        if (_countIncludePad)
        {
            Out(values, summed);
            return;
        }
        // Average over the real (unpadded) elements only: divide by the fraction of each window inside the input.
        using var mask = ones(1, 1, x.shape[^2], x.shape[^1], x.dtype, x.device);
        using var paddedMask = F.pad(mask, pad);
        using var fraction = F.avg_pool2d(paddedMask, _kernel, _strides, [0, 0], _ceil, true);
        Out(values, summed.div(fraction));
    }
}

internal sealed class GlobalAveragePoolOp : OnnxOp
{
    public GlobalAveragePoolOp(OpContext c) : base(c) { }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var dims = new long[x.dim() - 2];
        for (var i = 0; i < dims.Length; i++) dims[i] = i + 2;
        Out(values, x.mean(dims, keepdim: true));
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

internal sealed class LrnOp : OnnxOp
{
    private readonly long _size;
    private readonly double _alpha;
    private readonly double _beta;
    private readonly double _bias;

    public LrnOp(OpContext c) : base(c)
    {
        _size = c.Int("size", 0);
        if (_size <= 0) throw c.Error("needs a positive 'size'");
        _alpha = c.Float("alpha", 1e-4f);
        _beta = c.Float("beta", 0.75f);
        _bias = c.Float("bias", 1f);
    }

    public override void Run(Tensor?[] values)
    {
        // ONNX: square_sum[c] over channels [c − floor((size−1)/2), c + ceil((size−1)/2)];
        // y = x / (bias + alpha/size · square_sum)^beta.
        var x = In(values, 0);
        if (x.dim() != 4) throw new InvalidOperationException($"LRN node '{NodeName}' needs a 4-D input");
        using var scope = NewDisposeScope();
        var front = (_size - 1) / 2;
        var back = _size - 1 - front;
        var squares = x.square().unsqueeze(1);
        var padded = F.pad(squares, [0, 0, 0, 0, front, back]);
        var mean = F.avg_pool3d(padded, [_size, 1, 1], [1, 1, 1], [0, 0, 0], false, true).squeeze(1);
        var y = x.div(mean.mul(_alpha).add(_bias).pow(_beta));
        Out(values, y.MoveToOuterDisposeScope());
    }
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
        Out(values, x.reshape(outer, -1));
    }
}

internal sealed class ReshapeOp : OnnxOp
{
    private readonly long[]? _shape;
    private readonly bool _allowZero;

    public ReshapeOp(OpContext c) : base(c)
    {
        _allowZero = c.Int("allowzero", 0) == 1;
        if (c.Opset < 5 || !c.HasInput(1)) _shape = c.Ints("shape") ?? throw c.Error("needs a 'shape' attribute or a second input");
        else _shape = c.ConstantInts(1);
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var shape = _shape is null ? ShapeValues(In(values, 1)) : (long[])_shape.Clone();
        if (!_allowZero)
            for (var i = 0; i < shape.Length; i++)
                if (shape[i] == 0) shape[i] = x.shape[i];
        Out(values, x.reshape(shape));
    }

    /// <summary>The values of a 1-D integer tensor (a shape computed at run time), read on the host.</summary>
    internal static long[] ShapeValues(Tensor t)
    {
        using var cpu = t.device_type == DeviceType.CPU ? t.alias() : t.cpu();
        using var l = cpu.to_type(ScalarType.Int64);
        return l.data<long>().ToArray();
    }
}

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
        // Shapes live on the CPU: shape arithmetic (Gather/Concat/Reshape chains) then never waits for a device.
        Out(values, tensor(shape[(int)start..(int)end]));
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
        var idx = indices.device == data.device ? indices : indices.to(data.device);
        idx = idx.to_type(ScalarType.Int64).remainder(data.shape[axis]);
        var picked = data.index_select(axis, idx.flatten());
        var shape = new List<long>((int)(data.dim() + indices.dim()));
        shape.AddRange(data.shape[..(int)axis]);
        shape.AddRange(indices.shape);
        shape.AddRange(data.shape[((int)axis + 1)..]);
        Out(values, picked.reshape([.. shape]).MoveToOuterDisposeScope());
    }
}

internal sealed class UnsqueezeOp : OnnxOp
{
    private readonly bool _squeeze;
    private readonly long[]? _axes;
    private readonly bool _axesFromInput;

    public UnsqueezeOp(OpContext c, bool squeeze) : base(c)
    {
        _squeeze = squeeze;
        if (c.Opset >= 13 && c.HasInput(1))
        {
            _axes = c.ConstantInts(1);
            _axesFromInput = _axes is null;
        }
        else
        {
            _axes = c.Ints("axes");
        }
        if (!squeeze && _axes is null && !_axesFromInput) throw c.Error("needs axes (attribute before opset 13, second input from opset 13)");
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var axes = _axesFromInput ? ReshapeOp.ShapeValues(In(values, 1)) : _axes;
        if (axes is null)
        {
            Out(values, x.squeeze());
            return;
        }
        if (_squeeze)
        {
            var normalized = axes.Select(a => OnnxOperators.Axis(a, x.dim(), NodeName)).OrderDescending().ToArray();
            var y = x.alias();
            foreach (var a in normalized)
            {
                var next = y.squeeze(a);
                y.Dispose();
                y = next;
            }
            Out(values, y);
        }
        else
        {
            var rank = x.dim() + axes.Length;
            var shape = new long[rank];
            var inserted = new bool[rank];
            foreach (var a in axes) inserted[OnnxOperators.Axis(a, rank, NodeName)] = true;
            var source = 0;
            for (var i = 0; i < rank; i++) shape[i] = inserted[i] ? 1 : x.shape[source++];
            Out(values, x.reshape(shape));
        }
    }
}

internal sealed class GemmOp : OnnxOp
{
    private readonly int _b;
    private readonly bool _transA;
    private readonly bool _transB;
    private readonly float _alpha;
    private readonly float _beta;

    public GemmOp(OpContext c) : base(c)
    {
        _alpha = c.Float("alpha", 1f);
        _beta = c.Float("beta", 1f);
        _transA = c.Int("transA", 0) == 1;
        _transB = c.Int("transB", 0) == 1;
        var b = c.ConstantInput(1);
        if (b is not null && _transB)
        {
            // Transpose a constant B once at load.
            _b = c.AddConstant(b.t().contiguous());
            _transB = false;
        }
        else
        {
            _b = c.InputIds[1];
        }
    }

    public override IEnumerable<int> ReferencedValues => new[] { Inputs[0], _b, Inputs.Length > 2 ? Inputs[2] : -1 }.Where(i => i >= 0);

    public override void Run(Tensor?[] values)
    {
        var a = In(values, 0);
        var b = values[_b]!;
        if (a.dim() > 2) a = a.reshape(a.shape[0], -1);
        if (_transA) a = a.t();
        if (_transB) b = b.t();
        var cIn = OptionalIn(values, 2);
        Tensor y;
        if (cIn is not null && _beta != 0) y = addmm(cIn, a, b, _beta, _alpha);
        else
        {
            y = a.mm(b);
            if (_alpha != 1f) y = y.mul_(_alpha);
        }
        Out(values, y);
    }
}

internal sealed class SoftmaxOp : OnnxOp
{
    private readonly long _axis;
    private readonly bool _coerce;

    public SoftmaxOp(OpContext c) : base(c)
    {
        _coerce = c.Opset < 13;
        _axis = c.Int("axis", _coerce ? 1 : -1);
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var axis = OnnxOperators.Axis(_axis, x.dim(), NodeName);
        if (!_coerce || axis == x.dim() - 1)
        {
            Out(values, x.softmax(axis));
            return;
        }
        // Before opset 13 the input is seen as 2-D [prod(d0..axis-1), prod(axis..)] and normalised over the second.
        long outer = 1;
        for (var i = 0; i < axis; i++) outer *= x.shape[i];
        using var flat = x.reshape(outer, -1);
        using var soft = flat.softmax(1);
        Out(values, soft.reshape(x.shape));
    }
}

internal sealed class ClipOp : OnnxOp
{
    private readonly double _min;
    private readonly double _max;
    private readonly bool _dynamicMin;
    private readonly bool _dynamicMax;

    public ClipOp(OpContext c) : base(c)
    {
        if (c.Opset < 11)
        {
            _min = c.Float("min", float.NegativeInfinity);
            _max = c.Float("max", float.PositiveInfinity);
        }
        else
        {
            _min = c.ConstantScalar(1) ?? double.NegativeInfinity;
            _max = c.ConstantScalar(2) ?? double.PositiveInfinity;
            _dynamicMin = c.HasInput(1) && c.ConstantInput(1) is null;
            _dynamicMax = c.HasInput(2) && c.ConstantInput(2) is null;
        }
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        if (!_dynamicMin && !_dynamicMax)
        {
            Out(values, x.clamp(_min, _max));
            return;
        }
        using var scope = NewDisposeScope();
        var y = x.clamp(_dynamicMin ? double.NegativeInfinity : _min, _dynamicMax ? double.PositiveInfinity : _max);
        if (_dynamicMin) y = maximum(y, In(values, 1).to(x.device));
        if (_dynamicMax) y = minimum(y, In(values, 2).to(x.device));
        Out(values, y.MoveToOuterDisposeScope());
    }
}

internal sealed class PadOp : OnnxOp
{
    private readonly long[]? _pads;
    private readonly long[]? _axes;
    private readonly double _value;
    private readonly PaddingModes _mode;

    public PadOp(OpContext c) : base(c)
    {
        var mode = c.String("mode", "constant");
        _mode = mode switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            _ => throw c.Error($"mode '{mode}' is not supported (constant, reflect, edge are)"),
        };
        if (c.Opset < 11)
        {
            _pads = c.Ints("pads") ?? c.Ints("paddings") ?? throw c.Error("needs a 'pads' attribute");
            _value = c.Float("value", 0f);
        }
        else
        {
            _pads = c.ConstantInts(1) ?? throw c.Error("the 'pads' input must be a constant");
            _value = c.ConstantScalar(2) ?? 0;
            if (c.HasInput(2) && c.ConstantInput(2) is null) throw c.Error("the 'constant_value' input must be a constant");
            if (c.HasInput(3)) _axes = c.ConstantInts(3) ?? throw c.Error("the 'axes' input must be a constant");
        }
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var rank = (int)x.dim();
        var pads = new long[2 * rank];
        var axes = _axes ?? Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        if (_pads!.Length != 2 * axes.Length)
            throw new InvalidOperationException($"Pad node '{NodeName}' has {_pads.Length} pad values for a rank-{rank} input");
        for (var i = 0; i < axes.Length; i++)
        {
            var a = (int)OnnxOperators.Axis(axes[i], rank, NodeName);
            pads[a] = _pads[i];
            pads[rank + a] = _pads[axes.Length + i];
        }
        // torch order: last dimension first; trailing all-zero pairs of leading dims are dropped.
        var last = 0;
        for (var d = 0; d < rank; d++)
            if (pads[d] != 0 || pads[rank + d] != 0) last = rank - d;
        if (last == 0)
        {
            Out(values, x.alias());
            return;
        }
        // Reflect/replicate pad exactly the spatial dims of an N×C×… tensor in torch.
        if (_mode != PaddingModes.Constant && rank is >= 3 and <= 5) last = Math.Max(last, rank - 2);
        var list = new long[2 * last];
        for (var i = 0; i < last; i++)
        {
            list[2 * i] = pads[rank - 1 - i];
            list[2 * i + 1] = pads[2 * rank - 1 - i];
        }
        Out(values, F.pad(x, list, _mode, _value));
    }
}

internal sealed class TransposeOp : OnnxOp
{
    private readonly long[]? _perm;

    public TransposeOp(OpContext c) : base(c) => _perm = c.Ints("perm");

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var perm = _perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
        Out(values, x.permute(perm));
    }
}

internal sealed class CastOp : OnnxOp
{
    private readonly ScalarType _to;

    public CastOp(OpContext c) : base(c)
    {
        var to = (OnnxDataType)c.Int("to", 1);
        _to = to switch
        {
            OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16 => ScalarType.Float32,
            OnnxDataType.Bool => ScalarType.Bool,
            OnnxDataType.Int8 or OnnxDataType.Int16 or OnnxDataType.Int32 or OnnxDataType.Int64 or OnnxDataType.UInt8
                or OnnxDataType.UInt16 or OnnxDataType.UInt32 or OnnxDataType.UInt64 => ScalarType.Int64,
            _ => throw c.Error($"casting to {to} is not supported"),
        };
    }

    public override void Run(Tensor?[] values) => Out(values, In(values, 0).to_type(_to));
}
