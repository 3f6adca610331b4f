using DeepDream.Models.Onnx.Operators;

namespace DeepDream.Models.Onnx;

/// <summary>
/// Decides, before any weight is read, whether a graph's operators can be imported. Nodes with an unknown operator are
/// harmless when nothing that reaches a graph output depends on them (dead code some exporters leave behind): those
/// nodes, and the dead nodes fed by them, are dropped. An unknown operator on a live path is an error naming it.
/// </summary>
internal static class UnsupportedOperators
{
    public static void Check(OnnxGraphProto graph, OnnxOperatorSet? custom)
    {
        bool Supported(OnnxNodeProto n) => OnnxOperators.IsSupported(n.OpType, n.Domain, custom);
        if (graph.Nodes.All(Supported)) return;

        var live = LiveNodes(graph);
        var bad = graph.Nodes.FirstOrDefault(n => !Supported(n) && live.Contains(n));
        if (bad is null)
        {
            // Every unknown operator is dead code: drop it and the (equally dead) nodes that read its outputs.
            var tainted = new HashSet<string>(StringComparer.Ordinal);
            var dropped = new HashSet<OnnxNodeProto>();
            foreach (var node in graph.Nodes)
            {
                if (Supported(node) && !node.Inputs.Any(tainted.Contains)) continue;
                dropped.Add(node);
                foreach (var o in node.Outputs) tainted.Add(o);
            }
            // Nodes may be listed out of order: repeat until no more readers of dropped outputs are found.
            while (graph.Nodes.FirstOrDefault(n => !dropped.Contains(n) && n.Inputs.Any(tainted.Contains)) is { } reader)
            {
                dropped.Add(reader);
                foreach (var o in reader.Outputs) tainted.Add(o);
            }
            graph.Nodes.RemoveAll(dropped.Contains);
            return;
        }
        var domain = OnnxOperators.IsDefaultDomain(bad.Domain) ? "" : $" from domain '{bad.Domain}'";
        var others = graph.Nodes.Where(n => !Supported(n) && live.Contains(n)).Select(n => n.OpType).Distinct().ToList();
        var also = others.Count > 1 ? $" (unsupported operators in this model: {string.Join(", ", others)})" : "";
        throw new OnnxModelLoadError(
            $"node '{bad.DisplayName}' uses operator '{bad.OpType}'{domain}, which is not supported{also}; " +
            $"register it with OnnxImportOptions.CustomOperators. Built-in operators: {string.Join(", ", OnnxOperators.Supported)}.");
    }

    /// <summary>The nodes some graph output depends on.</summary>
    private static HashSet<OnnxNodeProto> LiveNodes(OnnxGraphProto graph)
    {
        var producer = new Dictionary<string, OnnxNodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            foreach (var o in node.Outputs.Where(o => o.Length > 0))
                producer.TryAdd(o, node);
        var live = new HashSet<OnnxNodeProto>();
        var pending = new Stack<string>(graph.Outputs.Select(o => o.Name));
        while (pending.Count > 0)
        {
            if (!producer.TryGetValue(pending.Pop(), out var node) || !live.Add(node)) continue;
            foreach (var input in node.Inputs.Where(i => i.Length > 0)) pending.Push(input);
        }
        return live;
    }
}
