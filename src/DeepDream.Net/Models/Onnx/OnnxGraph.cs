using DeepDream.Performance;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>
/// An imported ONNX graph ready to run: operators in topological order over a table of values addressed by id. Load-time
/// constants (weights, folded BatchNorm coefficients, constant-folded subgraphs) sit in a template that every run copies
/// by reference; a run fills in only the values it needs and stops after the last requested one. Nothing is mutated while
/// running, so several threads may run the same graph at once.
/// </summary>
internal sealed class OnnxGraph : IDisposable
{
    private readonly Tensor?[] _template;
    private readonly OnnxOp[] _ops;
    private readonly int[] _producer;
    private readonly Dictionary<string, int> _runtimeIds;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int[]> _plans = new(StringComparer.Ordinal);
    private bool _disposed;

    public OnnxGraph(Tensor?[] constants, OnnxOp[] ops, string[] valueNames, int inputId, string inputName,
        IReadOnlyList<long?> inputDims, ComputeFormat format, Device device)
    {
        _template = constants;
        _ops = ops;
        ValueNames = valueNames;
        InputId = inputId;
        InputName = inputName;
        InputDims = inputDims;
        Format = format;
        Device = device;
        _producer = new int[valueNames.Length];
        Array.Fill(_producer, -1);
        var runtime = new List<string>();
        _runtimeIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ops.Length; i++)
        {
            foreach (var o in ops[i].Outputs)
            {
                if (o < 0) continue;
                _producer[o] = i;
                runtime.Add(valueNames[o]);
                _runtimeIds[valueNames[o]] = o;
            }
        }
        RuntimeValueNames = runtime;
    }

    /// <summary>Name of every value id.</summary>
    public IReadOnlyList<string> ValueNames { get; }

    /// <summary>Names of the values computed at run time (node outputs), in forward order.</summary>
    public IReadOnlyList<string> RuntimeValueNames { get; }

    public IReadOnlyList<OnnxOp> Ops => _ops;

    public int InputId { get; }

    public string InputName { get; }

    /// <summary>Declared input dimensions (null where symbolic); empty when the file declares none.</summary>
    public IReadOnlyList<long?> InputDims { get; }

    /// <summary>The type and memory order of the weights and activations (changed by <see cref="To(Device, Precision)"/>).</summary>
    public ComputeFormat Format { get; private set; }

    public bool ChannelsLast => Format.ChannelsLast;

    public Device Device { get; private set; }

    /// <summary>Every tensor the graph keeps (weights and other load-time constants).</summary>
    public IEnumerable<Tensor> Constants => _template.Where(t => t is not null)!;

    /// <summary>The load-time constant with id <paramref name="id"/>, or null.</summary>
    public Tensor? ConstantAt(int id) => _template[id];

    /// <summary>The id of any value (run-time, constant or the input) by name, or -1.</summary>
    public int ValueId(string name)
    {
        for (var i = 0; i < ValueNames.Count; i++)
            if (string.Equals(ValueNames[i], name, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>The id of a value computed at run time, or -1.</summary>
    public int RuntimeId(string name) => _runtimeIds.TryGetValue(name, out var id) ? id : -1;

    /// <summary>The index of the operator producing value <paramref name="id"/>, or -1 for the input and constants.</summary>
    public int ProducerOf(int id) => _producer[id];

    /// <summary>
    /// Runs the operators needed for <paramref name="targets"/> (and only those) on <paramref name="input"/>. The returned
    /// table holds the graph's constants and the caller's input too: only the ids of run-time values are the caller's.
    /// </summary>
    public Tensor?[] Run(Tensor input, ReadOnlySpan<int> targets)
    {
        var values = NewValues(input);
        foreach (var i in PlanFor(targets)) _ops[i].Run(values);
        return values;
    }

    /// <summary>The operators <paramref name="targets"/> depend on, in order; worked out once per set of targets.</summary>
    private int[] PlanFor(ReadOnlySpan<int> targets)
    {
        var sorted = targets.ToArray();
        Array.Sort(sorted);
        var key = string.Join(',', sorted);
        if (_plans.TryGetValue(key, out var cached)) return cached;
        var last = -1;
        foreach (var t in sorted) last = Math.Max(last, _producer[t]);
        var needed = new bool[_producer.Length];
        foreach (var t in sorted) needed[t] = true;
        var plan = new List<int>();
        for (var i = last; i >= 0; i--)
        {
            var op = _ops[i];
            var any = false;
            foreach (var o in op.Outputs) any |= o >= 0 && needed[o];
            if (!any) continue;
            plan.Add(i);
            foreach (var inputId in op.Inputs)
                if (inputId >= 0) needed[inputId] = true;
        }
        plan.Reverse();
        return _plans.GetOrAdd(key, plan.ToArray());
    }

    /// <summary>A fresh value table for one run: the graph's constants, and <paramref name="input"/> at <see cref="InputId"/>.</summary>
    public Tensor?[] NewValues(Tensor input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var values = (Tensor?[])_template.Clone();
        values[InputId] = input;
        return values;
    }

    /// <summary>
    /// Moves the floating-point constants to <paramref name="device"/> and converts them to <paramref name="precision"/>
    /// (integer shape data stays on the CPU). Converting to bfloat16 and back does not restore the dropped bits.
    /// </summary>
    public void To(Device device, Precision precision)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var format = Format with { Type = precision.ScalarType() };
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (var i = 0; i < _template.Length; i++)
        {
            var t = _template[i];
            if (t is null || !t.is_floating_point() || (t.device == device && t.dtype == format.Type)) continue;
            _template[i] = format.Weight(t.to(device)).DetachFromDisposeScope(); // owned by the graph, not a caller's scope
            t.Dispose();
        }
        Device = device;
        Format = format;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (var i = 0; i < _template.Length; i++)
        {
            _template[i]?.Dispose();
            _template[i] = null;
        }
    }
}
