using DeepDream.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary>½‖a[:, channels]‖²: the L2 objective on a subset of a layer's channels (gradient zero elsewhere).</summary>
public sealed class ChannelObjective : Objective
{
    /// <summary>Creates the objective.</summary>
    /// <param name="layer">Layer name.</param>
    /// <param name="channels">Zero-based channel indices: at least one, distinct, not negative.</param>
    /// <exception cref="ArgumentException">The layer is empty, or the channel list is empty, negative or has duplicates.</exception>
    public ChannelObjective(string layer, IEnumerable<int> channels)
    {
        Guard.NotBlank(layer, nameof(layer));
        ArgumentNullException.ThrowIfNull(channels);
        var list = channels.ToArray();
        if (list.Length == 0) throw new ArgumentException("The channel list is empty; give at least one channel index.", nameof(channels));
        if (list.Any(c => c < 0)) throw new ArgumentException("Channel indices must be 0 or more.", nameof(channels));
        if (list.Distinct().Count() != list.Length) throw new ArgumentException("Channel indices must be distinct.", nameof(channels));
        Layer = layer;
        ChannelIndices = list;
    }

    /// <summary>The layer.</summary>
    public string Layer { get; }

    /// <summary>The channels, in the order given.</summary>
    public IReadOnlyList<int> ChannelIndices { get; }

    /// <inheritdoc />
    public override IReadOnlyList<string> Layers => [Layer];

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A channel index is not below the layer's channel count.</exception>
    public override IObjectiveEvaluator Bind(IFeatureExtractor extractor)
    {
        RequireLayer(extractor, Layer);
        var size = extractor.GetMinimumInputSize([Layer]);
        var info = extractor.ListLayers(size, size).First(l => l.Name == Layer);
        var bad = ChannelIndices.Where(c => c >= info.Channels).ToArray();
        if (bad.Length > 0)
        {
            throw new ArgumentException(
                $"Channel {Describe(bad)} is out of range for layer '{Layer}', which has {Diagnostics.Wording.Count(info.Channels, "channel")} (0–{info.Channels - 1}).",
                nameof(extractor));
        }
        // Lives as long as the dreamer: kept out of any dispose scope the caller may have open.
        var index = torch.tensor(ChannelIndices.Select(c => (long)c).ToArray(), device: extractor.Device).DetachFromDisposeScope();
        return new Evaluator(Layer, index);
    }

    /// <inheritdoc />
    public override string ToString() => $"L2({Layer}[{Describe(ChannelIndices)}])";

    /// <summary>Channels as ranges (<c>0-15,42</c>), the first 8 runs and a count beyond: a long list stays a short line.</summary>
    internal static string Describe(IReadOnlyList<int> channels)
    {
        var runs = new List<string>();
        for (var i = 0; i < channels.Count;)
        {
            var j = i;
            while (j + 1 < channels.Count && channels[j + 1] == channels[j] + 1) j++;
            runs.Add(j == i ? $"{channels[i]}" : $"{channels[i]}-{channels[j]}");
            i = j + 1;
        }
        return runs.Count <= 8 ? string.Join(",", runs) : $"{string.Join(",", runs.Take(8))},… ({channels.Count} channels)";
    }

    private sealed class Evaluator(string layer, Tensor index) : IObjectiveEvaluator
    {
        public void AccumulateGradients(IReadOnlyDictionary<string, Tensor> activations, double weight, LayerGradients gradients)
        {
            var a = activations[layer].detach();
            var selected = a.index_select(1, index);
            if (weight != 1) selected = selected.mul(weight);
            gradients.Add(layer, zeros_like(a).index_copy_(1, index, selected));
        }

        public Tensor Value(IReadOnlyDictionary<string, Tensor> activations) =>
            activations[layer].detach().index_select(1, index).square().sum().mul_(0.5);

        public void Dispose() => index.Dispose();
    }
}
