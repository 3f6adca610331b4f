using DeepDream.Diagnostics;
using DeepDream.Models.Onnx.Operators;
using DeepDream.Performance;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>
/// Builds an <see cref="OnnxGraph"/> from a parsed model: checks every operator is supported (before loading any weight),
/// loads initializers, sorts the nodes topologically, folds BatchNormalization into convolutions and evaluates constant
/// subgraphs once, then drops the constants nothing uses any more.
/// </summary>
internal static class OnnxGraphBuilder
{
    /// <summary>Builds the graph; <paramref name="boundInputs"/> are values for graph inputs other than the image.</summary>
    /// <remarks>
    /// Bound inputs are known at load (used to run ONNX's own test cases, whose operator parameters are graph inputs) and
    /// treated like initializers. When some are given, a graph may also have no run-time input.
    /// </remarks>
    public static OnnxGraph Build(OnnxModelProto model, ReadOnlyMemory<byte> buffer, string? modelDirectory, OnnxImportOptions options, Device device,
        IReadOnlyDictionary<string, Tensor>? boundInputs = null)
    {
        var graph = model.Graph;
        UnsupportedOperators.Check(graph, options.CustomOperators);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var names = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var constants = new List<Tensor?>();

        int NewValue(string name)
        {
            if (ids.ContainsKey(name)) throw new OnnxModelLoadError($"the value name '{name}' is produced twice");
            ids[name] = names.Count;
            names.Add(name);
            constants.Add(null);
            return names.Count - 1;
        }

        int AddConstant(Tensor t)
        {
            var id = names.Count;
            names.Add($"(constant {id})");
            constants.Add(t);
            return id;
        }

        Tensor Materialize(OnnxTensorProto t) => OnnxTensorLoader.ToTensor(t, buffer.Span, modelDirectory);

        foreach (var init in graph.Initializers)
        {
            if (init.Name.Length == 0) throw new OnnxModelLoadError("an initializer has no name");
            var id = NewValue(init.Name);
            constants[id] = Materialize(init);
        }

        foreach (var (name, value) in boundInputs ?? new Dictionary<string, Tensor>())
            constants[ids.TryGetValue(name, out var bound) ? bound : NewValue(name)] = value;

        var input = graph.Inputs.FirstOrDefault(i => !ids.ContainsKey(i.Name));
        if (input is null && boundInputs is not null) input = new OnnxValueInfo { Name = "(no input)" };
        if (input is null) throw new OnnxModelLoadError("the graph has no input (every graph input is an initializer)");
        var inputId = NewValue(input.Name);

        var nodes = TopologicalOrder(graph, ids.Keys);
        var consumers = new Dictionary<string, List<OnnxNodeProto>>(StringComparer.Ordinal);
        foreach (var node in nodes)
            foreach (var name in node.Inputs.Where(n => n.Length > 0))
            {
                if (!consumers.TryGetValue(name, out var list)) consumers[name] = list = [];
                list.Add(node);
            }
        var graphOutputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

        var ops = new List<OnnxOp>();
        var skipped = new HashSet<OnnxNodeProto>();
        foreach (var node in nodes)
        {
            if (skipped.Contains(node)) continue;
            try
            {
                var inputIds = node.Inputs.Select(n => n.Length == 0 ? -1 : ids[n]).ToArray();
                OpContext Context(OnnxNodeProto n, int[] inIds, int[] outIds) =>
                    new(n, model.OpsetVersion, options, inIds, outIds, id => constants[id], AddConstant) { Materialize = Materialize };

                // BatchNormalization folded into the convolution before it.
                if (node.OpType == "Conv" && options.FoldBatchNorm && node.Outputs.Count == 1
                    && !graphOutputs.Contains(node.Outputs[0])
                    && consumers.TryGetValue(node.Outputs[0], out var users) && users.Count == 1
                    && users[0] is { OpType: "BatchNormalization" } bn && bn.Inputs[0] == node.Outputs[0]
                    && bn.Attributes.GetValueOrDefault("training_mode")?.I is null or 0
                    && (model.OpsetVersion >= 7 || bn.Attributes.GetValueOrDefault("is_test")?.I is null or 1)
                    && bn.Inputs.Skip(1).Take(4).All(n => n.Length > 0 && constants[ids[n]] is not null)
                    && constants[inputIds[1]] is not null
                    && (inputIds.Length < 3 || inputIds[2] < 0 || constants[inputIds[2]] is not null))
                {
                    var bnInputs = bn.Inputs.Select((n, i) => i == 0 || n.Length == 0 ? -1 : ids[n]).ToArray();
                    var bnOutputs = bn.Outputs.Select((n, i) => i == 0 && n.Length > 0 ? NewValue(n) : -1).ToArray();
                    var (scale, shift) = BatchNormOp.Coefficients(Context(bn, bnInputs, bnOutputs));
                    var bias = inputIds.Length > 2 && inputIds[2] >= 0 ? constants[inputIds[2]]! : null;
                    var (foldedWeight, foldedBias) = BatchNormFolding.Fold(constants[inputIds[1]]!, bias, scale, shift);
                    ops.Add(new ConvOp(Context(node, inputIds, bnOutputs), AddConstant(foldedWeight), AddConstant(foldedBias)));
                    skipped.Add(bn);
                    continue;
                }

                var outputIds = node.Outputs.Select(n => n.Length == 0 ? -1 : NewValue(n)).ToArray();
                var op = OnnxOperators.Create(Context(node, inputIds, outputIds));
                if (inputIds.All(id => id < 0 || constants[id] is not null))
                {
                    // Every input is known at load: evaluate once and keep the results as constants.
                    var values = constants.ToArray();
                    op.Run(values);
                    foreach (var o in outputIds.Where(o => o >= 0))
                        constants[o] = values[o] ?? throw new OnnxModelLoadError($"output '{names[o]}' was not produced");
                    continue;
                }
                ops.Add(op);
            }
            catch (Exception e) when (e is not OnnxModelLoadError and not OnnxFormatException)
            {
                throw new OnnxModelLoadError($"node '{node.DisplayName}' ({node.OpType}) could not be built: {NativeErrors.Summary(e)}", e);
            }
        }

        // Keep only the constants the run-time operators use and constant graph outputs; free the rest (BatchNorm
        // parameters after folding, ...).
        var referenced = new HashSet<int>(ops.SelectMany(o => o.ReferencedValues));
        foreach (var output in graphOutputs)
            if (ids.TryGetValue(output, out var id)) referenced.Add(id);
        var format = new ComputeFormat(ScalarType.Float32, options.ChannelsLast);
        var table = new Tensor?[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var t = constants[i];
            if (t is null || !referenced.Contains(i)) continue;
            // Floating-point constants get independent storage in the graph's format: no views into temporaries that the scope frees.
            if (t.is_floating_point()) t = format.Weight(t.to(device));
            table[i] = t.DetachFromDisposeScope();
        }
        return new OnnxGraph(table, [.. ops], [.. names], inputId, input.Name, input.Dims, format, device);
    }

    /// <summary>
    /// The nodes in an order where every input is computed before it is read: the file's order when it already is one,
    /// otherwise each node is preceded by its producers (a depth-first walk, iterative so that a long chain cannot
    /// overflow the stack). Linear in nodes plus edges.
    /// </summary>
    private static List<OnnxNodeProto> TopologicalOrder(OnnxGraphProto graph, IEnumerable<string> known)
    {
        var nodes = graph.Nodes;
        var available = new HashSet<string>(known, StringComparer.Ordinal);
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
            foreach (var o in nodes[i].Outputs)
                if (o.Length > 0 && !available.Contains(o)) producer.TryAdd(o, i);
        var graphInputs = graph.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in nodes)
            foreach (var name in node.Inputs)
                if (name.Length > 0 && !available.Contains(name) && !producer.ContainsKey(name))
                    throw graphInputs.Contains(name)
                        ? new OnnxModelLoadError($"node '{node.DisplayName}' ({node.OpType}) reads the second graph input '{name}'; only models with a single image input are supported")
                        : new OnnxModelLoadError($"input '{name}' of node '{node.DisplayName}' ({node.OpType}) is not produced by any node, initializer or graph input");

        const byte Unvisited = 0, InProgress = 1, Done = 2;
        var state = new byte[nodes.Count];
        var ordered = new List<OnnxNodeProto>(nodes.Count);
        var stack = new Stack<(int Node, int NextInput)>();
        for (var start = 0; start < nodes.Count; start++)
        {
            if (state[start] != Unvisited) continue;
            state[start] = InProgress;
            stack.Push((start, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var inputs = nodes[node].Inputs;
                var descended = false;
                for (; next < inputs.Count; next++)
                {
                    if (inputs[next].Length == 0 || !producer.TryGetValue(inputs[next], out var p) || state[p] == Done) continue;
                    if (state[p] == InProgress)
                        throw new OnnxModelLoadError($"the graph has a cycle through node '{nodes[p].DisplayName}' ({nodes[p].OpType})");
                    stack.Push((node, next + 1));
                    state[p] = InProgress;
                    stack.Push((p, 0));
                    descended = true;
                    break;
                }
                if (descended) continue;
                state[node] = Done;
                ordered.Add(nodes[node]);
            }
        }
        return ordered;
    }
}
