using DeepDream.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx.Conformance;

/// <summary>
/// One of ONNX's backend test cases (a <c>model.onnx</c> with <c>test_data_set_*/input_*.pb</c> and <c>output_*.pb</c>),
/// run the way a model meets the importer: the first graph input is the run-time input, the others (weights, shapes,
/// pads, axes ...) are bound at load like initializers. Outputs are compared as ONNX's own runner does:
/// same shape, |actual − expected| ≤ 1e-7 + 1e-3·|expected| (NaN equals NaN).
/// </summary>
internal static class OnnxBackendCase
{
    public const double RelativeTolerance = 1e-3;
    public const double AbsoluteTolerance = 1e-7;

    /// <summary>Runs every data set of the case in <paramref name="folder"/>; returns null when all match, else what differs.</summary>
    public static string? Check(string folder)
    {
        var modelBytes = File.ReadAllBytes(Path.Combine(folder, "model.onnx"));
        var model = OnnxProtoParser.ParseModel(modelBytes);
        var initializers = model.Graph.Initializers.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = model.Graph.Inputs.Where(i => !initializers.Contains(i.Name)).ToList();
        var outputs = model.Graph.Outputs;
        var sets = Directory.GetDirectories(folder, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        if (sets.Count == 0) return "the case has no test_data_set folder";
        foreach (var set in sets)
        {
            var problem = CheckSet(modelBytes, folder, set, inputs, outputs);
            if (problem is not null) return $"{Path.GetFileName(set)}: {problem}";
        }
        return null;
    }

    private static string? CheckSet(byte[] modelBytes, string folder, string set, List<OnnxValueInfo> inputInfos, List<OnnxValueInfo> outputInfos)
    {
        using var scope = NewDisposeScope();
        var inputs = Files(set, "input").Select((f, i) => TensorProtoFile.Read(f, i < inputInfos.Count ? inputInfos[i].ElementType : default)).ToList();
        var expected = Files(set, "output").Select((f, i) => TensorProtoFile.Read(f, i < outputInfos.Count ? outputInfos[i].ElementType : default)).ToList();
        var inputNames = inputInfos.Select(i => i.Name).ToList();
        var outputNames = outputInfos.Select(o => o.Name).ToList();
        if (inputs.Count > inputNames.Count) return $"{inputs.Count} input files for {inputNames.Count} graph inputs";
        var bound = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 1; i < inputs.Count; i++) bound[inputNames[i]] = inputs[i].clone().DetachFromDisposeScope();
        using var graph = OnnxModelLoader.BuildGraph(modelBytes, $"'{folder}'", folder, new OnnxImportOptions(), CPU, bound);
        var ids = outputNames.Select(graph.ValueId).ToArray();
        if (ids.Any(id => id < 0)) return $"an output is not a value of the graph";
        var input = inputs.Count > 0 ? inputs[0] : zeros(1);
        var values = graph.Run(input, ids.Where(id => graph.ProducerOf(id) >= 0).ToArray());
        for (var i = 0; i < expected.Count && i < ids.Length; i++)
        {
            var actual = values[ids[i]] ?? graph.ConstantAt(ids[i]);
            if (actual is null) return $"output '{outputNames[i]}' was not computed";
            var problem = Compare(expected[i], actual);
            if (problem is not null) return $"output '{outputNames[i]}': {problem}";
        }
        return null;
    }

    private static IEnumerable<string> Files(string set, string prefix) =>
        Directory.GetFiles(set, $"{prefix}_*.pb").OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[(prefix.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else a one-line description.</summary>
    public static string? Compare(Tensor expected, Tensor actual)
    {
        if (!expected.shape.SequenceEqual(actual.shape))
            return $"shape [{string.Join(", ", actual.shape)}] instead of [{string.Join(", ", expected.shape)}]";
        using var e = expected.to_type(ScalarType.Float64).flatten();
        using var a = actual.detach().cpu().to_type(ScalarType.Float64).flatten();
        var ev = e.data<double>().ToArray();
        var av = a.data<double>().ToArray();
        for (var i = 0; i < ev.Length; i++)
        {
            if (double.IsNaN(ev[i]) && double.IsNaN(av[i])) continue;
            if (ev[i] == av[i]) continue; // infinities
            if (!(Math.Abs(av[i] - ev[i]) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(ev[i])))
                return $"element {i} is {av[i]:R} instead of {ev[i]:R}";
        }
        return null;
    }
}
