using System.Collections.Concurrent;
using DeepDream.Features;
using DeepDream.Performance;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>
/// A feature extractor over an imported ONNX graph: every node output is a layer, optionally with friendly aliases
/// (ResNet18's <c>stem</c>, <c>layer1</c>…<c>layer4</c>). Weights are frozen constants, BatchNormalization is folded into
/// the convolutions at load, and <see cref="Extract"/> runs only the nodes the requested layers depend on.
/// </summary>
/// <remarks>
/// <see cref="Extract"/> keeps no mutable state and may be called from several threads at once; <see cref="To(Device)"/>, <see cref="To(DeepDream.Precision)"/> and
/// <see cref="Dispose"/> must not run concurrently with it. Get instances from <see cref="DreamModels.ResNet18"/> or
/// <see cref="DreamModels.FromOnnx(string, Preprocessing, OnnxImportOptions, Device?)"/>.
/// </remarks>
public sealed class OnnxFeatureExtractor : IFeatureExtractor
{

    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, int> _layerIds;
    private readonly ConcurrentDictionary<int, int> _minimumSizes = new();
    private PreprocessingTensors _preprocessing;
    private readonly Lazy<string?> _defaultLayer;
    private bool _disposed;

    internal OnnxFeatureExtractor(string name, OnnxGraph graph, Preprocessing preprocessing, IReadOnlyDictionary<string, string> aliases, Device device)
    {
        _graph = graph;
        Name = name;
        Preprocessing = preprocessing;
        Device = device;
        _layerIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        foreach (var (alias, target) in aliases)
        {
            var id = graph.RuntimeId(target);
            if (id < 0) throw new ArgumentException($"the alias '{alias}' points to '{target}', which is not a node output of the graph", nameof(aliases));
            if (!_layerIds.TryAdd(alias, id)) throw new ArgumentException($"the alias '{alias}' is given twice", nameof(aliases));
            names.Add(alias);
        }
        foreach (var value in graph.RuntimeValueNames)
        {
            if (_layerIds.TryAdd(value, graph.RuntimeId(value))) names.Add(value);
        }
        LayerNames = names;
        Aliases = aliases.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        _preprocessing = new PreprocessingTensors(preprocessing, device);
        // Not cached on failure (PublicationOnly), so a probe that fails once, e.g. after a device move, is retried.
        _defaultLayer = new Lazy<string?>(FindDefaultLayer, LazyThreadSafetyMode.PublicationOnly);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> LayerNames { get; }

    /// <summary>
    /// The alias <c>layer3</c> when the model has one (the embedded ResNet18, or your own
    /// <see cref="OnnxImportOptions.LayerAliases"/>); otherwise the last node output, in graph order, that on a 224×224
    /// input is 4-D with more than 3 channels and at least 14×14 (1/16 of the input's side): the end of the stride-16
    /// stage, where the classic deep dream layers sit. <see langword="null"/> when no node output qualifies. Found once,
    /// with one forward pass, on first use.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The extractor was disposed.</exception>
    public string? DefaultLayer => _defaultLayer.Value;

    /// <summary>The friendly layer names and the ONNX node outputs they stand for.</summary>
    public IReadOnlyDictionary<string, string> Aliases { get; }

    /// <inheritdoc />
    public Preprocessing Preprocessing { get; }

    /// <inheritdoc />
    public Device Device { get; private set; }

    internal OnnxGraph Graph => _graph;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> is null.</exception>
    /// <exception cref="ArgumentException">A layer name is unknown (the message lists the valid names).</exception>
    /// <exception cref="InvalidOperationException">A layer cannot be computed for any square input up to 4096 pixels.</exception>
    /// <exception cref="ObjectDisposedException">The extractor was disposed.</exception>
    public int GetMinimumInputSize(IReadOnlyCollection<string> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var minimum = 1;
        foreach (var layer in layers)
        {
            var id = Resolve(layer);
            // A layer depends only on its ancestors, so the size that works for a set is the largest single minimum.
            minimum = Math.Max(minimum, _minimumSizes.GetOrAdd(id, i => ProbeMinimum(i, layer)));
        }
        return minimum;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The extractor was disposed.</exception>
    public IFeatureExtractor To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ObjectDisposedException.ThrowIf(_disposed, this);
        DreamDevices.EnsureAvailable(device);
        _graph.To(device, Precision);
        var old = _preprocessing;
        _preprocessing = new PreprocessingTensors(Preprocessing, device);
        old.Dispose();
        Device = device;
        return this;
    }

    /// <inheritdoc />
    public Precision Precision => _graph.Format.Precision;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="precision"/> is not a defined value.</exception>
    /// <exception cref="ObjectDisposedException">The extractor was disposed.</exception>
    public IFeatureExtractor To(Precision precision)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _graph.To(Device, precision);
        return this;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="image"/> or <paramref name="layers"/> is null.</exception>
    /// <exception cref="ArgumentException">A layer name is unknown (the message lists the valid names), or the image is not N×3×H×W.</exception>
    /// <exception cref="ObjectDisposedException">The extractor was disposed.</exception>
    public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(layers);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (image.dim() != 4 || image.shape[1] != 3)
            throw new ArgumentException($"The image must be an N×3×H×W batch, got shape [{string.Join(", ", image.shape)}].", nameof(image));
        var ids = new int[layers.Count];
        var k = 0;
        foreach (var layer in layers) ids[k++] = Resolve(layer);
        var result = new Dictionary<string, Tensor>(ids.Length, StringComparer.Ordinal);
        if (ids.Length == 0) return result;

        var preprocessing = _preprocessing; // one read: To() may swap it on another thread
        using var scope = NewDisposeScope();
        var x = _graph.Format.Input(preprocessing.Apply(image));
        IReadOnlyList<Tensor?> values;
        try
        {
            values = _graph.Run(x, ids);
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            // A native shape error (e.g. a graph that only works at its export size) becomes a library error naming the model.
            throw new DeepDreamException(
                $"The forward pass of {Name} failed on a {image.shape[3]}×{image.shape[2]} input: {Diagnostics.NativeErrors.Summary(e)}", e);
        }
        k = 0;
        var taken = new HashSet<int>();
        foreach (var layer in layers)
        {
            var id = ids[k++];
            // Handed out as float32 in the usual contiguous NCHW layout (view() works on them), whatever the format.
            var t = ComputeFormat.Output(values[id]!, copy: false);
            // The same activation asked for under two names: hand out separate handles.
            if (!taken.Add(id)) t = t.alias();
            if (!result.ContainsKey(layer)) result[layer] = t.MoveToOuterDisposeScope();
        }
        return result;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The extractor was disposed.</exception>
    public IReadOnlyList<LayerInfo> ListLayers(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = _graph.RunTolerant(ProbeInput(width, height), _graph.Ops.Count - 1);
        var list = new List<LayerInfo>(LayerNames.Count);
        foreach (var name in LayerNames)
        {
            var t = values[_layerIds[name]];
            list.Add(new LayerInfo(name, t is not null && IsNonEmpty(t) ? t.shape : []));
        }
        return list;
    }

    /// <summary>Frees the weights.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _graph.Dispose();
        _preprocessing.Dispose();
    }

    private string? FindDefaultLayer() =>
        Aliases.ContainsKey(ResNetAliases.DefaultLayer) ? ResNetAliases.DefaultLayer
            : DefaultLayerRule.Pick(ListLayers(DefaultLayerRule.ProbeSize, DefaultLayerRule.ProbeSize), preferBlocks: false);

    private int Resolve(string layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_layerIds.TryGetValue(layer, out var id)) return id;
        throw new UnknownLayerException(Name, layer, LayerNames, nameof(layer));
    }

    private Tensor ProbeInput(int width, int height) => _graph.Format.Input(zeros(1, 3, height, width, device: Device));

    private static bool IsNonEmpty(Tensor t) => t.shape.All(d => d > 0);

    private bool Computes(int id, int size)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = _graph.RunTolerant(ProbeInput(size, size), _graph.ProducerOf(id));
        return values[id] is { } t && IsNonEmpty(t);
    }

    private int ProbeMinimum(int id, string layer)
    {
        if (MinimumSizeSearch.Find(size => Computes(id, size)) is { } found) return found;
        // Fixed-size graphs (e.g. a Reshape to a constant shape) only work at their declared size.
        if (_graph.InputDims is [_, _, { } h, { } w] && Computes(id, (int)Math.Max(h, w))) return (int)Math.Max(h, w);
        throw new ModelLoadException($"Layer '{layer}' of '{Name}' cannot be computed for any square input up to {MinimumSizeSearch.MaxSize} pixels.");
    }
}
