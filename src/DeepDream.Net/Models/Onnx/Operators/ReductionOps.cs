using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>The Reduce* family and ArgMax/ArgMin.</summary>
internal static class ReductionOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        // Opset in which each reduction moved its axes from an attribute to an input.
        table["ReduceSum"] = c => new ReduceOp(c, 13, (x, axes, keep) => x.sum(axes, keep));
        table["ReduceMean"] = c => new ReduceOp(c, 18, (x, axes, keep) => x.mean(axes, keep));
        table["ReduceMax"] = c => new ReduceOp(c, 18, (x, axes, keep) => x.amax(axes, keep));
        table["ReduceMin"] = c => new ReduceOp(c, 18, (x, axes, keep) => x.amin(axes, keep));
        table["ReduceProd"] = c => new ReduceOp(c, 18, Product);
        table["ReduceL1"] = c => new ReduceOp(c, 18, (x, axes, keep) => x.abs().sum(axes, keep));
        table["ReduceL2"] = c => new ReduceOp(c, 18, (x, axes, keep) => x.square().sum(axes, keep).sqrt());
        table["ReduceSumSquare"] = c => new ReduceOp(c, 18, (x, axes, keep) => x.square().sum(axes, keep));
        table["ReduceLogSum"] = c => new ReduceOp(c, 18, (x, axes, keep) => x.sum(axes, keep).log());
        table["ReduceLogSumExp"] = c => new ReduceOp(c, 18, LogSumExp);
        table["ArgMax"] = c => new ArgOp(c, isMax: true);
        table["ArgMin"] = c => new ArgOp(c, isMax: false);
    }

    private static Tensor LogSumExp(Tensor x, long[] axes, bool keep)
    {
        // log Σ exp(x), shifted by the maximum for stability.
        var max = x.amax(axes, keepdim: true);
        var y = x.sub(max).exp().sum(axes, keepdim: true).log().add(max);
        if (keep) return y;
        foreach (var a in axes.OrderDescending()) y = y.squeeze(a);
        return y;
    }

    private static Tensor Product(Tensor x, long[] axes, bool keep)
    {
        var y = x;
        foreach (var a in axes.OrderDescending()) y = y.prod(a, keep);
        return y;
    }
}

/// <summary>A reduction over 'axes' (attribute, or input from <c>axesInputSince</c>), all axes when none are given.</summary>
internal sealed class ReduceOp : OnnxOp
{
    private readonly Func<Tensor, long[], bool, Tensor> _reduce;
    private readonly IntsArg _axes;
    private readonly bool _keepDims;
    private readonly bool _noopWhenEmpty;

    public ReduceOp(OpContext c, long axesInputSince, Func<Tensor, long[], bool, Tensor> reduce) : base(c)
    {
        _reduce = reduce;
        _keepDims = c.Int("keepdims", 1) == 1;
        _noopWhenEmpty = c.Int("noop_with_empty_axes", 0) == 1;
        _axes = c.Opset >= axesInputSince ? c.IntsInput(1) : c.Ints("axes") is { } a ? IntsArg.Of(a) : IntsArg.None;
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var axes = _axes.Resolve(values);
        if (axes is null || axes.Length == 0)
        {
            if (_noopWhenEmpty)
            {
                Out(values, x.alias());
                return;
            }
            axes = [.. Enumerable.Range(0, (int)x.dim()).Select(i => (long)i)];
        }
        var normalized = axes.Select(a => OnnxOperators.Axis(a, x.dim(), NodeName)).Distinct().ToArray();
        using var scope = NewDisposeScope();
        Out(values, _reduce(x, normalized, _keepDims).MoveToOuterDisposeScope());
    }
}

/// <summary>ArgMax/ArgMin along one axis, first or last occurrence.</summary>
internal sealed class ArgOp : OnnxOp
{
    private readonly bool _isMax;
    private readonly long _axis;
    private readonly bool _keepDims;
    private readonly bool _last;

    public ArgOp(OpContext c, bool isMax) : base(c)
    {
        _isMax = isMax;
        _axis = c.Int("axis", 0);
        _keepDims = c.Int("keepdims", 1) == 1;
        _last = c.Int("select_last_index", 0) == 1;
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var axis = OnnxOperators.Axis(_axis, x.dim(), NodeName);
        using var scope = NewDisposeScope();
        // The last occurrence is the first one in the reversed axis, counted from the end.
        var source = _last ? x.flip(axis) : x;
        var index = _isMax ? source.argmax(axis, _keepDims) : source.argmin(axis, _keepDims);
        if (_last) index = index.neg().add(x.shape[axis] - 1);
        Out(values, index.MoveToOuterDisposeScope());
    }
}
