using DeepDream.Models.Onnx.Operators;

namespace DeepDream.Models.Onnx;

/// <summary>
/// Finds torchvision-style names in a ResNet graph by walking it: <c>stem</c> is the first max-pool output, and
/// <c>layer1</c>…<c>layerN</c> are the ReLU outputs after the last residual Add of each successive channel width.
/// </summary>
internal static class ResNetAliases
{
    /// <summary>The classic deep dream layer of a ResNet, and the default of every model that has this alias.</summary>
    public const string DefaultLayer = "layer3";

    public static Dictionary<string, string> Find(OnnxGraph graph)
    {
        var ops = graph.Ops;
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var stem = ops.FirstOrDefault(o => o.OpType == "MaxPool")
            ?? throw new OnnxModelLoadError("no MaxPool node found for the 'stem' layer");
        aliases["stem"] = graph.ValueNames[stem.Outputs[0]];

        var widths = new List<(long Channels, int Value)>();
        foreach (var op in ops)
        {
            if (op.OpType != "Relu") continue;
            var producer = graph.ProducerOf(op.Inputs[0]);
            if (producer < 0 || ops[producer].OpType != "Add") continue;
            var channels = Channels(graph, op.Inputs[0], 0);
            if (channels <= 0) continue;
            if (widths.Count > 0 && widths[^1].Channels == channels) widths[^1] = (channels, op.Outputs[0]);
            else widths.Add((channels, op.Outputs[0]));
        }
        if (widths.Count == 0) throw new OnnxModelLoadError("no residual blocks (Add followed by Relu) found");
        for (var i = 0; i < widths.Count; i++) aliases[$"layer{i + 1}"] = graph.ValueNames[widths[i].Value];
        return aliases;
    }

    /// <summary>The channel count of a value: the output channels of the nearest convolution upstream.</summary>
    private static long Channels(OnnxGraph graph, int valueId, int depth)
    {
        if (depth > 64) return -1;
        var producer = graph.ProducerOf(valueId);
        if (producer < 0) return -1;
        var op = graph.Ops[producer];
        if (op is ConvOp conv) return graph.ConstantAt(conv.WeightId)?.shape[0] ?? -1;
        return op.Inputs.Length > 0 && op.Inputs[0] >= 0 ? Channels(graph, op.Inputs[0], depth + 1) : -1;
    }

}
