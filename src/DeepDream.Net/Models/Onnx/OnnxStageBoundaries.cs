namespace DeepDream.Models.Onnx;

/// <summary>
/// The node outputs every later computation goes through: right after such a value is computed (in the graph's
/// topological order) no other activation computed so far is still needed. A residual block's inner values are not
/// boundaries (the block's input waits for the Add), an Inception branch's are not (the other branches wait for the
/// Concat); the value after the Add or the Concat is. Only 4-D activations count as "needed": shape arithmetic does not.
/// </summary>
internal static class OnnxStageBoundaries
{
    /// <param name="graph">The graph.</param>
    /// <param name="activations">The ids of the values that are 4-D activations (the input counts as one).</param>
    /// <returns>The ids of the node outputs that are boundaries.</returns>
    public static HashSet<int> Find(OnnxGraph graph, IEnumerable<int> activations)
    {
        var isActivation = new HashSet<int>(activations) { graph.InputId };
        var ops = graph.Ops;
        var lastUse = new Dictionary<int, int>();
        for (var i = 0; i < ops.Count; i++)
        {
            foreach (var input in ops[i].Inputs)
                if (input >= 0 && isActivation.Contains(input)) lastUse[input] = i;
        }

        var live = new HashSet<int>();
        if (lastUse.ContainsKey(graph.InputId)) live.Add(graph.InputId);
        var boundaries = new HashSet<int>();
        for (var i = 0; i < ops.Count; i++)
        {
            live.RemoveWhere(v => lastUse[v] == i); // used for the last time by this operator
            foreach (var output in ops[i].Outputs)
                if (output >= 0 && lastUse.ContainsKey(output)) live.Add(output);
            foreach (var output in ops[i].Outputs)
            {
                if (output >= 0 && isActivation.Contains(output) && live.All(v => v == output)) boundaries.Add(output);
            }
        }
        return boundaries;
    }
}
