using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>
/// Pad on any axes in every mode: <c>constant</c>, <c>reflect</c>, <c>edge</c> and <c>wrap</c>; pads and value from
/// attributes (opsets 1–10, <c>paddings</c> in opset 1) or inputs (opset 11+, with the opset-18 <c>axes</c> input), constant
/// or computed at run time. Negative pads crop.
/// </summary>
internal sealed class PadOp : OnnxOp
{
    private enum Mode
    {
        Constant,
        Reflect,
        Edge,
        Wrap,
    }

    private readonly Mode _mode;
    private readonly IntsArg _pads;
    private readonly IntsArg _axes;
    private readonly double _value;
    private readonly int _valueId = -1;

    public PadOp(OpContext c) : base(c)
    {
        var mode = c.String("mode", "constant");
        _mode = mode switch
        {
            "constant" => Mode.Constant,
            "reflect" => Mode.Reflect,
            "edge" => Mode.Edge,
            "wrap" => Mode.Wrap,
            _ => throw c.Error($"mode '{mode}' is not one of constant, reflect, edge, wrap"),
        };
        if (c.Opset < 11)
        {
            _pads = IntsArg.Of(c.Ints("pads") ?? c.Ints("paddings") ?? throw c.Error("needs a 'pads' attribute"));
            _value = c.Float("value", 0f);
            _axes = IntsArg.None;
        }
        else
        {
            _pads = c.IntsInput(1);
            if (!_pads.IsPresent) throw c.Error("needs the 'pads' input");
            if (c.ConstantScalar(2) is { } v) _value = v;
            else if (c.HasInput(2)) _valueId = c.InputIds[2];
            _axes = c.IntsInput(3);
        }
    }

    public static void Register(Dictionary<string, OpFactory> table) => table["Pad"] = c => new PadOp(c);

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var rank = (int)x.dim();
        var given = _pads.Resolve(values)!;
        var axes = _axes.Resolve(values) ?? [.. Enumerable.Range(0, rank).Select(i => (long)i)];
        if (given.Length != 2 * axes.Length)
            throw new InvalidOperationException($"Pad node '{NodeName}' has {given.Length} pad values for {axes.Length} padded axes (it needs two per axis)");
        var pads = new long[2 * rank];
        for (var i = 0; i < axes.Length; i++)
        {
            var a = (int)OnnxOperators.Axis(axes[i], rank, NodeName);
            pads[a] = given[i];
            pads[rank + a] = given[axes.Length + i];
        }
        if (pads.All(p => p == 0))
        {
            Out(values, x.alias());
            return;
        }
        if (_mode == Mode.Constant)
        {
            var value = _valueId >= 0 && values[_valueId] is { } v ? HostInts.Scalar(v) : _value;
            Out(values, F.pad(x, OnnxPads.ToTorch(pads), PaddingModes.Constant, value));
            return;
        }
        // Reflect, edge and wrap gather along each padded axis in turn (torch's own modes cover only trailing spatial axes).
        using var scope = NewDisposeScope();
        var y = x;
        for (var axis = 0; axis < rank; axis++)
        {
            var (begin, end) = (pads[axis], pads[rank + axis]);
            if (begin == 0 && end == 0) continue;
            var size = y.shape[axis];
            if (size == 0) throw new InvalidOperationException($"Pad node '{NodeName}' cannot {_mode.ToString().ToLowerInvariant()}-pad an empty axis {axis}");
            var index = new long[size + begin + end];
            for (var i = 0; i < index.Length; i++) index[i] = SourceIndex(i - begin, size);
            y = y.index_select(axis, tensor(index, device: y.device));
        }
        Out(values, y.MoveToOuterDisposeScope());
    }

    /// <summary>The source position for padded position <paramref name="i"/> (negative before the data) on an axis of <paramref name="size"/>.</summary>
    private long SourceIndex(long i, long size)
    {
        if (i >= 0 && i < size) return i;
        switch (_mode)
        {
            case Mode.Edge:
                return Math.Clamp(i, 0, size - 1);
            case Mode.Wrap:
                return ((i % size) + size) % size;
            default:
                // Reflect without repeating the edge: ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ...
                if (size == 1) return 0;
                var period = 2 * (size - 1);
                var m = ((i % period) + period) % period;
                return m < size ? m : period - m;
        }
    }
}
