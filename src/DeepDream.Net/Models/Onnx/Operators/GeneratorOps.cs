using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Operators that make tensors: Constant, ConstantOfShape, Range, and the element-type changes Cast/CastLike.</summary>
internal static class GeneratorOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["Constant"] = c => new ConstantOp(c);
        table["ConstantOfShape"] = c => new ConstantOfShapeOp(c);
        table["Range"] = c => new RangeOp(c);
        table["Cast"] = c => new CastOp(c);
        table["CastLike"] = c => new CastLikeOp(c);
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

/// <summary>ConstantOfShape: a tensor of the given shape filled with the 'value' attribute's single element (float 0 by default).</summary>
internal sealed class ConstantOfShapeOp : OnnxOp
{
    private readonly IntsArg _shape;
    private readonly int _value = -1;

    public ConstantOfShapeOp(OpContext c) : base(c)
    {
        _shape = c.IntsInput(0);
        if (c.Node.Attributes.TryGetValue("value", out var v) && v.T is not null)
        {
            // Kept as a load-time constant of the graph, so it follows the graph to its device.
            var t = c.Materialize(v.T);
            if (t.numel() != 1) throw c.Error($"'value' must hold one element, got shape [{string.Join(", ", t.shape)}]");
            _value = c.AddConstant(t);
        }
    }

    public override IEnumerable<int> ReferencedValues => _value >= 0 ? base.ReferencedValues.Append(_value) : base.ReferencedValues;

    public override void Run(Tensor?[] values)
    {
        var shape = _shape.Resolve(values)!;
        if (_value < 0)
        {
            Out(values, zeros(shape));
            return;
        }
        using var scalar = values[_value]!.reshape([]);
        Out(values, scalar.expand(shape).clone());
    }
}

/// <summary>Range(start, limit, delta): max(ceil((limit − start) / delta), 0) values, integer or float like its inputs.</summary>
internal sealed class RangeOp : OnnxOp
{
    public RangeOp(OpContext c) : base(c) { }

    public override void Run(Tensor?[] values)
    {
        var startTensor = In(values, 0);
        var start = HostInts.Scalar(startTensor);
        var limit = HostInts.Scalar(In(values, 1));
        var delta = HostInts.Scalar(In(values, 2));
        if (delta == 0) throw new InvalidOperationException($"Range node '{NodeName}' has a zero delta");
        var count = (long)Math.Max(Math.Ceiling((limit - start) / delta), 0);
        using var steps = arange(count, ScalarType.Float64);
        using var doubles = steps.mul(delta).add(start);
        Out(values, doubles.to_type(startTensor.is_floating_point() ? ScalarType.Float32 : ScalarType.Int64));
    }
}

/// <summary>
/// Cast. The library computes in float32 and int64, so casts to float16/bfloat16 round to that precision and stay float32,
/// casts to double stay float32, integer casts truncate toward zero and give int64, and bool is kept.
/// </summary>
internal sealed class CastOp : OnnxOp
{
    private readonly Func<Tensor, Tensor> _cast;

    public CastOp(OpContext c) : base(c)
    {
        var to = c.Has("to") ? c.Int("to", 1) : throw c.Error("needs a 'to' attribute (the element type to cast to)");
        _cast = For(to) ?? throw c.Error($"casting to {OnnxTypeName(to)} is not supported (numeric and bool types are)");
    }

    public override void Run(Tensor?[] values) => Out(values, _cast(In(values, 0)));

    /// <summary>The cast to ONNX element type <paramref name="to"/>, or null when it is not supported.</summary>
    internal static Func<Tensor, Tensor>? For(long to) => (OnnxDataType)to switch
    {
        // A network converted to bfloat16 stays in it: a cast "to float" keeps bfloat16 activations as they are.
        OnnxDataType.Float or OnnxDataType.Double => x => x.dtype == ScalarType.BFloat16 ? x.alias() : x.to_type(ScalarType.Float32),
        OnnxDataType.Float16 => x => RoundTrip(x, ScalarType.Float16),
        OnnxDataType.BFloat16 => x => RoundTrip(x, ScalarType.BFloat16),
        OnnxDataType.Bool => x => x.to_type(ScalarType.Bool),
        OnnxDataType.Int8 or OnnxDataType.Int16 or OnnxDataType.Int32 or OnnxDataType.Int64 or OnnxDataType.UInt8
            or OnnxDataType.UInt16 or OnnxDataType.UInt32 or OnnxDataType.UInt64 => x => x.to_type(ScalarType.Int64),
        _ => null,
    };

    /// <summary>ONNX's name for an element type, for messages.</summary>
    internal static string OnnxTypeName(long type) => Enum.IsDefined((OnnxDataType)type) ? ((OnnxDataType)type).ToString().ToLowerInvariant() : $"element type {type}";

    private static Tensor RoundTrip(Tensor x, ScalarType narrow)
    {
        using var low = x.to_type(ScalarType.Float32).to_type(narrow);
        return low.to_type(ScalarType.Float32);
    }
}

/// <summary>CastLike(input, target): the input cast to the target's element type.</summary>
internal sealed class CastLikeOp : OnnxOp
{
    public CastLikeOp(OpContext c) : base(c) { }

    public override void Run(Tensor?[] values) => Out(values, In(values, 0).to_type(In(values, 1).dtype));
}
