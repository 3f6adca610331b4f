using System.Collections.Frozen;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Element-wise arithmetic: unary math, broadcasting binary operators and the variadic Sum/Mean/Max/Min.</summary>
internal static class ElementwiseOps
{
    /// <summary>
    /// The element-wise operators whose output has the shape and element type of their (first) input when the other
    /// input broadcasts to it: what a shape probe may skip (see <see cref="OnnxOp.ShapeOnly"/>). Comparisons, logic,
    /// MatMul and Size, which share the same operator classes, change the type or the shape and are not here.
    /// </summary>
    internal static readonly FrozenSet<string> KeepShapeAndType = new[]
    {
        "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Erf", "Sin", "Cos",
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "PRelu",
        "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Celu", "ThresholdedRelu", "HardSigmoid", "HardSwish",
        "Softplus", "Softsign", "Mish", "Gelu",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["Abs"] = c => new UnaryOp(c, x => x.abs());
        table["Neg"] = c => new UnaryOp(c, x => x.neg());
        table["Exp"] = c => new UnaryOp(c, x => x.exp());
        table["Log"] = c => new UnaryOp(c, x => x.log());
        table["Sqrt"] = c => new UnaryOp(c, x => x.sqrt());
        table["Reciprocal"] = c => new UnaryOp(c, x => x.reciprocal());
        table["Floor"] = c => new UnaryOp(c, x => x.floor());
        table["Ceil"] = c => new UnaryOp(c, x => x.ceil());
        table["Round"] = c => new UnaryOp(c, x => x.round()); // half to even, as ONNX asks
        table["Sign"] = c => new UnaryOp(c, x => x.sign());
        table["Erf"] = c => new UnaryOp(c, x => x.erf());
        table["Sin"] = c => new UnaryOp(c, x => x.sin());
        table["Cos"] = c => new UnaryOp(c, x => x.cos());
        table["Add"] = c => new BinaryOp(c, (a, b) => a.add(b));
        table["Sub"] = c => new BinaryOp(c, (a, b) => a.sub(b));
        table["Mul"] = c => new BinaryOp(c, (a, b) => a.mul(b));
        // Integer division truncates toward zero in ONNX (C semantics); floats divide exactly.
        table["Div"] = c => new BinaryOp(c, (a, b) => a.is_floating_point() || b.is_floating_point() ? a.div(b) : a.div(b, RoundingMode.trunc));
        table["Pow"] = c => new BinaryOp(c, Pow);
        table["Mod"] = c => Mod(c);
        table["Sum"] = c => new VariadicOp(c, (a, b) => a.add(b));
        table["Mean"] = c => new VariadicOp(c, (a, b) => a.add(b), mean: true);
        table["Max"] = c => new VariadicOp(c, maximum);
        table["Min"] = c => new VariadicOp(c, minimum);
    }

    /// <summary>ONNX Pow keeps the base's element type (an integer base stays integer).</summary>
    private static Tensor Pow(Tensor a, Tensor b)
    {
        var y = a.pow(b);
        if (y.dtype == a.dtype) return y;
        using (y) return y.to_type(a.dtype);
    }

    private static BinaryOp Mod(OpContext c)
    {
        // fmod=1: the remainder has the dividend's sign (C fmod); fmod=0: the divisor's sign (Python %), integers only.
        if (c.Int("fmod", 0) == 1) return new BinaryOp(c, (a, b) => a.fmod(b), legacyBroadcast: false);
        return new BinaryOp(c, (a, b) => a.remainder(b), legacyBroadcast: false);
    }
}

/// <summary>An operator applying one function to its single input.</summary>
internal sealed class UnaryOp : OnnxOp
{
    private readonly Func<Tensor, Tensor> _f;

    public UnaryOp(OpContext c, Func<Tensor, Tensor> f) : base(c) => _f = f;

    public override void Run(Tensor?[] values) => Out(values, _f(In(values, 0)));

    /// <inheritdoc />
    public override Tensor? ShapeOnly(Tensor?[] values) =>
        ElementwiseOps.KeepShapeAndType.Contains(OpType) && In(values, 0) is var x && IsActivation(x) ? x.alias() : null;
}

/// <summary>A broadcasting binary operator (with the opset-1..6 'broadcast'/'axis' form).</summary>
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
        if (b.device != a.device) b = b.to(a.device); // CPU shape data meeting device tensors
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

    /// <inheritdoc />
    /// <remarks>Only when B broadcasts to A's shape with A's element type (a bias, a scale, a residual sum).</remarks>
    public override Tensor? ShapeOnly(Tensor?[] values)
    {
        var a = In(values, 0);
        var b = In(values, 1);
        return _legacyAxis is null && ElementwiseOps.KeepShapeAndType.Contains(OpType) && IsActivation(a) && b.dtype == a.dtype && BroadcastsTo(b.shape, a.shape) ? a.alias() : null;
    }

    private static bool BroadcastsTo(long[] from, long[] to)
    {
        if (from.Length > to.Length) return false;
        for (var i = 1; i <= from.Length; i++)
            if (from[^i] != 1 && from[^i] != to[^i]) return false;
        return true;
    }
}

/// <summary>Sum, Mean, Max, Min: any number of broadcasting inputs folded pairwise.</summary>
internal sealed class VariadicOp : OnnxOp
{
    private readonly Func<Tensor, Tensor, Tensor> _f;
    private readonly bool _mean;

    public VariadicOp(OpContext c, Func<Tensor, Tensor, Tensor> f, bool mean = false) : base(c)
    {
        _f = f;
        _mean = mean;
        if (c.InputCount == 0) throw c.Error("needs at least one input");
    }

    public override void Run(Tensor?[] values)
    {
        using var scope = NewDisposeScope();
        var result = In(values, 0);
        for (var i = 1; i < Inputs.Length; i++) result = _f(result, In(values, i));
        result = _mean ? result.div(Inputs.Length) : result.alias();
        Out(values, result.MoveToOuterDisposeScope());
    }
}
