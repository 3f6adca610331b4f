using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Max and average pooling (1-, 2- and 3-D) and their global forms.</summary>
internal static class PoolingOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["MaxPool"] = c => new PoolOp(c, isMax: true);
        table["AveragePool"] = c => new PoolOp(c, isMax: false);
        table["GlobalAveragePool"] = c => new GlobalPoolOp(c, isMax: false);
        table["GlobalMaxPool"] = c => new GlobalPoolOp(c, isMax: true);
    }
}

/// <summary>MaxPool or AveragePool with strides, dilations (max), ceil mode, count_include_pad and any padding.</summary>
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
    private readonly bool _indices;
    private readonly bool _columnMajor;

    public PoolOp(OpContext c, bool isMax) : base(c)
    {
        _isMax = isMax;
        _kernel = c.Ints("kernel_shape") ?? throw c.Error("needs 'kernel_shape'");
        var rank = _kernel.Length;
        if (rank is < 1 or > 3) throw c.Error($"only 1-, 2- and 3-D pooling is supported (kernel_shape has {rank} values)");
        _strides = c.Ints("strides") ?? [.. Enumerable.Repeat(1L, rank)];
        _dilations = c.Ints("dilations") ?? [.. Enumerable.Repeat(1L, rank)];
        if (_strides.Length != rank || _dilations.Length != rank) throw c.Error($"'strides' and 'dilations' need {rank} values each");
        if (!isMax && _dilations.Any(d => d != 1)) throw c.Error("dilated average pooling is not supported");
        _columnMajor = c.Int("storage_order", 0) == 1;
        _ceil = c.Int("ceil_mode", 0) == 1;
        _countIncludePad = c.Int("count_include_pad", 0) == 1;
        _pads = new PadSpec(c, _kernel, _strides, _dilations);
        // torch pools accept at most half the kernel as padding; beyond that, pad explicitly.
        var tooLarge = _pads.Symmetric.Select((p, i) => p > _kernel[i] / 2).Any(b => b);
        _explicit = _pads.NeedsExplicitPad || tooLarge;
        _indices = isMax && c.Node.Outputs.Count > 1 && c.Node.Outputs[1].Length > 0;
        if (_indices && (rank != 2 || _pads.NeedsExplicitPad))
            throw c.Error("the Indices output of MaxPool is supported for 2-D pooling with symmetric pads only");
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var rank = _kernel.Length;
        if (x.dim() != rank + 2)
            throw new InvalidOperationException($"{OpType} node '{NodeName}' needs a rank-{rank + 2} input (N×C×spatial), got shape [{string.Join(", ", x.shape)}]");
        if (_indices)
        {
            RunWithIndices(values, x);
            return;
        }
        using var scope = NewDisposeScope();
        Tensor y;
        if (!_explicit)
        {
            y = Pool(x, _pads.Symmetric, _countIncludePad);
        }
        else
        {
            var pad = _pads.ExplicitFor(x);
            if (_isMax)
            {
                y = Pool(F.pad(x, pad, PaddingModes.Constant, double.NegativeInfinity), Zeros(rank), false);
            }
            else
            {
                y = Pool(F.pad(x, pad), Zeros(rank), true);
                if (!_countIncludePad)
                {
                    // Average over the real (unpadded) elements only: divide by the fraction of each window inside the input.
                    var mask = ones([1, 1, .. x.shape[2..]], x.dtype, x.device);
                    y = y.div(Pool(F.pad(mask, pad), Zeros(rank), true));
                }
            }
        }
        Out(values, y.MoveToOuterDisposeScope());
    }

    private static long[] Zeros(int n) => new long[n];

    /// <summary>MaxPool with its Indices output: flat positions in the whole input tensor, row- or column-major.</summary>
    private void RunWithIndices(Tensor?[] values, Tensor x)
    {
        using var scope = NewDisposeScope();
        var (y, planeIndex) = F.max_pool2d_with_indices(x, _kernel, _strides, _pads.Symmetric, _dilations, _ceil);
        var (height, width) = (x.shape[2], x.shape[3]);
        if (_columnMajor) planeIndex = planeIndex.remainder(width).mul(height).add(planeIndex.div(width, RoundingMode.floor));
        // torch counts within each N×C plane; ONNX over the whole tensor.
        var planes = arange(x.shape[0] * x.shape[1], ScalarType.Int64, x.device).mul(height * width).reshape(x.shape[0], x.shape[1], 1, 1);
        Out(values, y.MoveToOuterDisposeScope());
        Out(values, planeIndex.add(planes).MoveToOuterDisposeScope(), 1);
    }

    /// <summary>The native pooling of the right rank (1-D runs as 2-D with a unit first axis).</summary>
    private Tensor Pool(Tensor x, long[] padding, bool countIncludePad)
    {
        if (_kernel.Length == 1)
        {
            using var wide = x.unsqueeze(-2);
            var k = new[] { 1, _kernel[0] };
            var s = new[] { 1, _strides[0] };
            var p = new[] { 0, padding[0] };
            using var pooled = _isMax
                ? F.max_pool2d(wide, k, s, p, [1, _dilations[0]], _ceil)
                : F.avg_pool2d(wide, k, s, p, _ceil, countIncludePad);
            return pooled.squeeze(-2);
        }
        if (_kernel.Length == 2)
        {
            return _isMax
                ? F.max_pool2d(x, _kernel, _strides, padding, _dilations, _ceil)
                : F.avg_pool2d(x, _kernel, _strides, padding, _ceil, countIncludePad);
        }
        return _isMax
            ? F.max_pool3d(x, _kernel, _strides, padding, _dilations, _ceil)
            : F.avg_pool3d(x, _kernel, _strides, padding, _ceil, countIncludePad);
    }
}

/// <summary>GlobalAveragePool and GlobalMaxPool: over every spatial axis, keeping them as size 1.</summary>
internal sealed class GlobalPoolOp : OnnxOp
{
    private readonly bool _isMax;

    public GlobalPoolOp(OpContext c, bool isMax) : base(c) => _isMax = isMax;

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var dims = new long[x.dim() - 2];
        for (var i = 0; i < dims.Length; i++) dims[i] = i + 2;
        Out(values, _isMax ? x.amax(dims, keepdim: true) : x.mean(dims, keepdim: true));
    }
}
