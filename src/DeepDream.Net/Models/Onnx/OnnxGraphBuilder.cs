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
    public static OnnxGraph Build(OnnxModelProto model, ReadOnlyMemory<byte> buffer, string? modelDirectory, OnnxImportOptions options, Device device)
    {
        var graph = model.Graph;
        CheckOperators(graph);

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

        var input = graph.Inputs.FirstOrDefault(i => !ids.ContainsKey(i.Name))
            ?? throw new OnnxModelLoadError("the graph has no input (every graph input is an initializer)");
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
                throw new OnnxModelLoadError($"node '{node.DisplayName}' ({node.OpType}) could not be built: {e.Message}", e);
            }
        }

        // Keep only the constants the run-time operators use; free the rest (BatchNorm parameters after folding, ...).
        var referenced = new HashSet<int>(ops.SelectMany(o => o.ReferencedValues));
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

    private static void CheckOperators(OnnxGraphProto graph)
    {
        var bad = graph.Nodes.FirstOrDefault(n => !OnnxOperators.IsSupported(n.OpType, n.Domain));
        if (bad is null) return;
        var domain = bad.Domain is "" or "ai.onnx" ? "" : $" from domain '{bad.Domain}'";
        var others = graph.Nodes.Where(n => !OnnxOperators.IsSupported(n.OpType, n.Domain)).Select(n => n.OpType).Distinct().ToList();
        var also = others.Count > 1 ? $" (unsupported operators in this model: {string.Join(", ", others)})" : "";
        throw new OnnxModelLoadError(
            $"node '{bad.DisplayName}' uses operator '{bad.OpType}'{domain}, which is not supported{also}. " +
            $"Supported operators: {string.Join(", ", OnnxOperators.Supported)}.");
    }

    private static List<OnnxNodeProto> TopologicalOrder(OnnxGraphProto graph, IEnumerable<string> known)
    {
        var available = new HashSet<string>(known, StringComparer.Ordinal);
        var pending = new List<OnnxNodeProto>(graph.Nodes);
        var ordered = new List<OnnxNodeProto>(pending.Count);
        var producers = new HashSet<string>(graph.Nodes.SelectMany(n => n.Outputs), StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            foreach (var name in node.Inputs)
                if (name.Length > 0 && !available.Contains(name) && !producers.Contains(name))
                    throw graph.Inputs.Any(i => i.Name == name)
                        ? new OnnxModelLoadError($"node '{node.DisplayName}' ({node.OpType}) reads the second graph input '{name}'; only models with a single image input are supported")
                        : new OnnxModelLoadError($"input '{name}' of node '{node.DisplayName}' ({node.OpType}) is not produced by any node, initializer or graph input");
        // Nodes are normally already sorted: one pass each round keeps the file order.
        while (pending.Count > 0)
        {
            var progressed = false;
            var rest = new List<OnnxNodeProto>();
            foreach (var node in pending)
            {
                if (node.Inputs.All(n => n.Length == 0 || available.Contains(n)))
                {
                    ordered.Add(node);
                    foreach (var o in node.Outputs) available.Add(o);
                    progressed = true;
                }
                else
                {
                    rest.Add(node);
                }
            }
            if (!progressed)
                throw new OnnxModelLoadError($"the graph has a cycle through node '{rest[0].DisplayName}' ({rest[0].OpType})");
            pending = rest;
        }
        return ordered;
    }
}
