using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>
/// One executable graph node: reads its inputs from the value table by id and writes its outputs there. Instances are
/// immutable after construction, so one graph can run on several threads at once.
/// </summary>
internal abstract class OnnxOp
{
    protected OnnxOp(OpContext context)
    {
        NodeName = context.Node.DisplayName;
        OpType = context.Node.OpType;
        Inputs = context.InputIds;
        Outputs = context.OutputIds;
    }

    public string NodeName { get; }

    public string OpType { get; }

    /// <summary>Value ids of the inputs; -1 for an omitted optional input.</summary>
    public int[] Inputs { get; }

    /// <summary>Value ids of the outputs; -1 for an unused optional output.</summary>
    public int[] Outputs { get; }

    /// <summary>Every value id this op reads: its run-time inputs and the load-time constants it keeps.</summary>
    public virtual IEnumerable<int> ReferencedValues => Inputs.Where(i => i >= 0);

    /// <summary>Computes the outputs from <paramref name="values"/> and stores them there.</summary>
    public abstract void Run(Tensor?[] values);

    /// <summary>
    /// For a shape probe (<see cref="OnnxShapeProbe"/>): a tensor with this single-output operator's output shape, element
    /// type and device, obtained without computing it (an alias of an input), or null when the operator has to run. Only
    /// element-wise operators on a 4-D floating-point activation answer: their output is that activation's shape, and an
    /// activation's values never decide a shape further on (the probe's input is zeros anyway).
    /// </summary>
    public virtual Tensor? ShapeOnly(Tensor?[] values) => null;

    /// <summary>Whether <paramref name="t"/> is a 4-D floating-point activation (not shape arithmetic or a scale).</summary>
    protected static bool IsActivation(Tensor t) => t.dim() == 4 && t.is_floating_point();

    protected Tensor In(Tensor?[] values, int index) =>
        values[Inputs[index]] ?? throw new InvalidOperationException($"input {index} of node '{NodeName}' ({OpType}) was not computed");

    protected Tensor? OptionalIn(Tensor?[] values, int index) =>
        index < Inputs.Length && Inputs[index] >= 0 ? values[Inputs[index]] : null;

    protected void Out(Tensor?[] values, Tensor result, int index = 0)
    {
        if (index < Outputs.Length && Outputs[index] >= 0) values[Outputs[index]] = result;
    }
}

/// <summary>What an operator factory needs to know about one node while the graph is built.</summary>
internal sealed class OpContext
{
    private readonly Func<int, Tensor?> _constantOf;
    private readonly Func<Tensor, int> _addConstant;

    public OpContext(OnnxNodeProto node, long opset, OnnxImportOptions options, int[] inputIds, int[] outputIds,
        Func<int, Tensor?> constantOf, Func<Tensor, int> addConstant)
    {
        Node = node;
        Opset = opset;
        Options = options;
        InputIds = inputIds;
        OutputIds = outputIds;
        _constantOf = constantOf;
        _addConstant = addConstant;
    }

    public OnnxNodeProto Node { get; }

    /// <summary>Turns a tensor attribute into a CPU tensor (it may point into the model buffer).</summary>
    public required Func<OnnxTensorProto, Tensor> Materialize { get; init; }

    public long Opset { get; }

    public OnnxImportOptions Options { get; }

    public int[] InputIds { get; }

    public int[] OutputIds { get; }

    public int InputCount => InputIds.Length;

    public bool HasInput(int index) => index < InputIds.Length && InputIds[index] >= 0;

    /// <summary>The constant behind input <paramref name="index"/>, or null when it is computed at run time or omitted.</summary>
    public Tensor? ConstantInput(int index) => HasInput(index) ? _constantOf(InputIds[index]) : null;

    /// <summary>Registers a tensor made at load time (moved with the model by <c>To</c>) and returns its value id.</summary>
    public int AddConstant(Tensor tensor) => _addConstant(tensor);

    public OnnxModelLoadError Error(string message) => new($"node '{Node.DisplayName}' ({Node.OpType}): {message}");

    public long Int(string name, long fallback) => Node.Attributes.TryGetValue(name, out var a) && a.I is { } v ? v : fallback;

    public float Float(string name, float fallback) => Node.Attributes.TryGetValue(name, out var a) && a.F is { } v ? v : fallback;

    public string String(string name, string fallback) => Node.Attributes.TryGetValue(name, out var a) && a.S is { } v ? v : fallback;

    public long[]? Ints(string name) => Node.Attributes.TryGetValue(name, out var a) && (a.Ints.Count > 0 || a.I is null) ? a.Ints.ToArray() : null;

    public float[]? Floats(string name) => Node.Attributes.TryGetValue(name, out var a) && (a.Floats.Count > 0 || a.F is null) ? a.Floats.ToArray() : null;

    public bool Has(string name) => Node.Attributes.ContainsKey(name);

    /// <summary>Integer values of a constant input, or null when the input is computed at run time or omitted.</summary>
    public long[]? ConstantInts(int index)
    {
        var t = ConstantInput(index);
        return t is null ? null : HostInts.Read(t);
    }

    /// <summary>
    /// Integers an operator reads from input <paramref name="index"/> (axes, pads, shapes, ...): fixed at load when the input
    /// is a constant (or folds to one), otherwise read on the host each run; <see cref="IntsArg.None"/> when omitted.
    /// </summary>
    public IntsArg IntsInput(int index) =>
        !HasInput(index) ? IntsArg.None : ConstantInts(index) is { } fixedValues ? IntsArg.Of(fixedValues) : IntsArg.FromValue(InputIds[index]);

    /// <summary>A constant scalar input as a double, or null.</summary>
    public double? ConstantScalar(int index)
    {
        var t = ConstantInput(index);
        if (t is null) return null;
        if (t.numel() != 1) throw Error($"input {index} must hold a single value, but has shape [{string.Join(", ", t.shape)}]");
        return HostInts.Scalar(t);
    }
}

/// <summary>Integers known at load (<see cref="Fixed"/>) or read from value <see cref="Id"/> at run time.</summary>
internal readonly record struct IntsArg(long[]? Fixed, int Id)
{
    public static IntsArg None { get; } = new(null, -1);

    public static IntsArg Of(long[] values) => new(values, -1);

    public static IntsArg FromValue(int id) => new(null, id);

    public bool IsPresent => Fixed is not null || Id >= 0;

    /// <summary>The integers for this run, or null when the argument is absent.</summary>
    public long[]? Resolve(Tensor?[] values) => Fixed ?? (Id >= 0 ? HostInts.Read(values[Id] ?? throw new InvalidOperationException("an integer argument was not computed")) : null);
}

/// <summary>Reads small integer tensors (shapes, axes, pads) on the host.</summary>
internal static class HostInts
{
    /// <summary>The values of an integer (or integral float) tensor, flattened, as longs.</summary>
    public static long[] Read(Tensor t)
    {
        using var cpu = t.device_type == DeviceType.CPU ? t.alias() : t.cpu();
        using var l = cpu.to_type(ScalarType.Int64);
        using var flat = l.flatten();
        return flat.data<long>().ToArray();
    }

    /// <summary>The values of a small tensor, flattened, as doubles (scales, regions of interest).</summary>
    public static double[] ReadDoubles(Tensor t)
    {
        using var cpu = t.device_type == DeviceType.CPU ? t.alias() : t.cpu();
        using var d = cpu.to_type(ScalarType.Float64);
        using var flat = d.flatten();
        return flat.data<double>().ToArray();
    }

    /// <summary>The single value of a scalar tensor as a double.</summary>
    public static double Scalar(Tensor t)
    {
        if (t.numel() != 1) throw new InvalidOperationException($"expected a single value, got shape [{string.Join(", ", t.shape)}]");
        using var cpu = t.device_type == DeviceType.CPU ? t.alias() : t.cpu();
        using var d = cpu.to_type(ScalarType.Float64);
        using var flat = d.flatten();
        return flat.data<double>()[0];
    }
}

/// <summary>
/// A node cannot run because the graph does not fit together (a convolution's weight expects another channel count than
/// its input has): no input size can fix it, so size probes report it at once.
/// </summary>
internal sealed class OnnxStructureException : InvalidOperationException
{
    public OnnxStructureException(string message) : base(message) { }
    public OnnxStructureException() { }
    public OnnxStructureException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>An import problem found while building a node; the loader wraps it into a <see cref="ModelLoadException"/> naming the file.</summary>
internal sealed class OnnxModelLoadError : Exception
{
    public OnnxModelLoadError(string message) : base(message) { }
    public OnnxModelLoadError() { }
    public OnnxModelLoadError(string message, Exception innerException) : base(message, innerException) { }
}
