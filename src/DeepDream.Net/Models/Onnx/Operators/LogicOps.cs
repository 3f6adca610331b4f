using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Comparisons, boolean logic and Where (masks in transformer graphs).</summary>
internal static class LogicOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["Equal"] = c => new BinaryOp(c, (a, b) => a.eq(b), legacyBroadcast: false);
        table["Greater"] = c => new BinaryOp(c, (a, b) => a.gt(b), legacyBroadcast: false);
        table["Less"] = c => new BinaryOp(c, (a, b) => a.lt(b), legacyBroadcast: false);
        table["GreaterOrEqual"] = c => new BinaryOp(c, (a, b) => a.ge(b), legacyBroadcast: false);
        table["LessOrEqual"] = c => new BinaryOp(c, (a, b) => a.le(b), legacyBroadcast: false);
        table["And"] = c => new BinaryOp(c, (a, b) => a.logical_and(b), legacyBroadcast: false);
        table["Or"] = c => new BinaryOp(c, (a, b) => a.logical_or(b), legacyBroadcast: false);
        table["Xor"] = c => new BinaryOp(c, (a, b) => a.logical_xor(b), legacyBroadcast: false);
        table["Not"] = c => new UnaryOp(c, x => x.logical_not());
        table["Where"] = c => new WhereOp(c);
    }
}

/// <summary>Where(condition, X, Y): X where the condition holds, else Y, all three broadcast.</summary>
internal sealed class WhereOp : OnnxOp
{
    public WhereOp(OpContext c) : base(c) { }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 1);
        var condition = In(values, 0);
        var y = In(values, 2);
        if (condition.device != x.device) condition = condition.to(x.device);
        if (y.device != x.device) y = y.to(x.device);
        Out(values, where(condition.to_type(ScalarType.Bool), x, y));
    }
}
