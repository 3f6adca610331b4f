using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>
/// ScatterND (index tuples into the leading axes; Swin's attention masks) and ScatterElements/Scatter (indices along one
/// axis): a copy of the data with the updates written, replaced or combined with reduction add, mul, min or max.
/// </summary>
internal sealed class ScatterOp : OnnxOp
{
    private readonly bool _elements;
    private readonly long _axis;
    private readonly string _reduction;

    public ScatterOp(OpContext c, bool elements) : base(c)
    {
        _elements = elements;
        _axis = c.Int("axis", 0);
        _reduction = c.String("reduction", "none");
        if (_reduction is not ("none" or "add" or "mul" or "min" or "max")) throw c.Error($"reduction '{_reduction}' is not one of none, add, mul, min, max");
    }

    public override void Run(Tensor?[] values)
    {
        var data = In(values, 0);
        var updates = In(values, 2);
        using var scope = NewDisposeScope();
        Tensor result;
        if (_elements)
        {
            var axis = OnnxOperators.Axis(_axis, data.dim(), NodeName);
            var index = IndexingOps.Indices(In(values, 1), data, axis);
            result = _reduction switch
            {
                "none" => data.scatter(axis, index, updates),
                "add" => data.scatter_add(axis, index, updates),
                // Rare reductions: move the scattered axis first and combine row by row.
                _ => Combine(data.movedim([axis], [0]), index.movedim([axis], [0]), updates.movedim([axis], [0]), elementwise: true).movedim([0], [axis]),
            };
        }
        else
        {
            var indices = In(values, 1);
            var depth = (int)indices.shape[^1];
            var leading = data.shape[..depth];
            var rows = leading.Aggregate(1L, (a, b) => a * b);
            var strides = new long[depth];
            for (var i = depth - 1; i >= 0; i--) strides[i] = i == depth - 1 ? 1 : strides[i + 1] * leading[i + 1];
            var idx = indices.to(data.device).to_type(ScalarType.Int64).reshape(-1, depth);
            idx = where(idx.lt(0), idx.add(tensor(leading, device: data.device)), idx);
            var flat = idx.mul(tensor(strides, device: data.device)).sum(1);
            var table = data.reshape(rows, -1);
            var source = updates.reshape(flat.shape[0], -1);
            result = (_reduction switch
            {
                "none" => table.index_copy(0, flat, source),
                "add" => table.index_add(0, flat, source, 1),
                _ => Combine(table, flat, source, elementwise: false),
            }).reshape(data.shape);
        }
        Out(values, result.MoveToOuterDisposeScope());
    }

    /// <summary>mul/min/max: row <c>i</c> of <paramref name="source"/> combined into row <c>index[i]</c> of a copy of <paramref name="table"/>.</summary>
    private Tensor Combine(Tensor table, Tensor index, Tensor source, bool elementwise)
    {
        var result = table.clone();
        for (var i = 0L; i < source.shape[0]; i++)
        {
            if (elementwise)
            {
                // index[i, …] names, for each element of row i, the row of the result it goes to.
                var rowIndex = index[i].unsqueeze(0);
                var current = result.gather(0, rowIndex);
                result = result.scatter(0, rowIndex, Reduce(current, source[i].unsqueeze(0)));
            }
            else
            {
                var target = index[i].item<long>();
                result[target] = Reduce(result[target], source[i]);
            }
        }
        return result;
    }

    private Tensor Reduce(Tensor current, Tensor update) => _reduction switch
    {
        "mul" => current.mul(update),
        "min" => minimum(current, update),
        _ => maximum(current, update),
    };
}
