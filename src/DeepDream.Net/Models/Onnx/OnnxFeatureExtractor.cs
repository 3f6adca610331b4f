using DeepDream.Diagnostics;
using System.Collections.Concurrent;
using DeepDream.Features;
using DeepDream.Models.Onnx.Operators;
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
    private const int RememberedProbes = 4;
    private readonly ConcurrentDictionary<(int Width, int Height), OnnxProbeResult> _wholeGraphProbes = new();
    private int _probeRuns;
    private long _probeOperators;
    private OnnxShapeProbe? _probe;
    private HashSet<int>? _fixedSizeLayers;
    private readonly Lazy<IReadOnlyList<string>> _layerNames;
    private readonly bool _resizeForFixedSizeLayers;
    private readonly bool _symmetricPadsFromBegin;
    private PreprocessingTensors _preprocessing;
    private readonly Lazy<string?> _defaultLayer;
    private bool _disposed;

    internal OnnxFeatureExtractor(string name, OnnxGraph graph, Preprocessing preprocessing, IReadOnlyDictionary<string, string> aliases, Device device,
        bool resizeForFixedSizeLayers = false, bool symmetricPadsFromBegin = false)
    {
        _graph = graph;
        _resizeForFixedSizeLayers = resizeForFixedSizeLayers;
        _symmetricPadsFromBegin = symmetricPadsFromBegin;
        Name = name;
        Preprocessing = preprocessing;
        Device = device;
        _layerIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var aliasNames = new List<string>();
        foreach (var (alias, target) in aliases)
        {
            var id = graph.RuntimeId(target);
            if (id < 0) throw new ArgumentException($"the alias '{alias}' points to '{target}', which is not a node output of the graph", nameof(aliases));
            if (!_layerIds.TryAdd(alias, id)) throw new ArgumentException($"the alias '{alias}' is given twice", nameof(aliases));
            aliasNames.Add(alias);
        }
        var valueNames = new List<string>();
        foreach (var value in graph.RuntimeValueNames)
        {
            if (_layerIds.TryAdd(value, graph.RuntimeId(value))) valueNames.Add(value);
        }
        _layerNames = new Lazy<IReadOnlyList<string>>(() => [.. aliasNames, .. WithoutShapeArithmetic(valueNames)]);
        Aliases = aliases.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        _preprocessing = new PreprocessingTensors(preprocessing, device);
        LetConstantReshapesFollowTheInput();
        // Not cached on failure (PublicationOnly), so a probe that fails once, e.g. after a device move, is retried.
        _defaultLayer = new Lazy<string?>(FindDefaultLayer, LazyThreadSafetyMode.PublicationOnly);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    /// <remarks>
    /// Node outputs that hold integers or booleans (shape arithmetic such as <c>Shape</c>, <c>Gather</c> of a shape, masks)
    /// or a single number (scale factors computed in the graph) are left out: they are not feature maps to dream on. Found once,
    /// with a probe at the export size (224×224 when the file declares none), on first use.
    /// </remarks>
    public IReadOnlyList<string> LayerNames => _layerNames.Value;

    /// <summary>
    /// The alias <c>layer3</c> when the model has one (the embedded ResNet18, or your own
    /// <see cref="OnnxImportOptions.LayerAliases"/>); otherwise the last node output, in graph order, that on a 224×224
    /// input is 4-D with more than 3 channels and at least 14×14 (1/16 of the input's side) and that every later
    /// computation goes through (not a value inside a residual block or an Inception branch): the end of the stride-16
    /// stage, where the classic deep dream layers sit. <see langword="null"/> when no node output qualifies. Found once,
    /// on first use, from the shape probe at 224×224 that <see cref="LayerNames"/> and <see cref="ListLayers"/> share
    /// (element-wise operators are not computed in it, so a graph of tens of thousands of nodes takes seconds).
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
    /// <exception cref="ModelLoadException">
    /// A layer cannot be computed for any square input up to 4096 pixels (or the largest size the probe's memory budget
    /// allows), or computes only at the model's export size (it follows a fixed-size part of the graph).
    /// </exception>
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
        var x = _graph.Format.Input(preprocessing.Apply(FitFixedSizeLayers(image, ids)));
        IReadOnlyList<Tensor?> values;
        try
        {
            values = _graph.Run(x, ids);
        }
        catch (Exception e) when (NativeErrors.IsNative(e) || e is InvalidOperationException)
        {
            if (ids.FirstOrDefault(FixedSizeLayers.Contains, -1) is >= 0 and var fixedId && ((int)image.shape[3], (int)image.shape[2]) != ReferenceSize)
                throw new DeepDreamException(FixedSizeMessage(layers.ElementAt(Array.IndexOf(ids, fixedId))), e);
            // A native shape error (e.g. a graph that only works at its export size) becomes a library error naming the model.
            throw NativeErrors.Wrap($"The forward pass of {Name} failed on a {image.shape[3]}×{image.shape[2]} input", e, SizeMismatchAdvice(e));
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
        Guard.Positive(width, nameof(width));
        Guard.Positive(height, nameof(height));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var probe = WholeGraphProbe(width, height);
        var fixedSize = (width, height) == ReferenceSize ? null : FixedSizeLayers;
        var list = new List<LayerInfo>(LayerNames.Count);
        foreach (var name in LayerNames)
        {
            var id = _layerIds[name];
            if (probe.Computed(id)) list.Add(new LayerInfo(name, probe.Shapes[id]!));
            else list.Add(new LayerInfo(name, []) { FixedInputSize = fixedSize is not null && fixedSize.Contains(id) ? ReferenceSize : null });
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

    private string? FindDefaultLayer()
    {
        if (Aliases.ContainsKey(ResNetAliases.DefaultLayer)) return ResNetAliases.DefaultLayer;
        var layers = ListLayers(DefaultLayerRule.ProbeSize, DefaultLayerRule.ProbeSize);
        var boundaries = OnnxStageBoundaries.Find(_graph, layers.Where(l => l.Shape.Count == 4).Select(l => _layerIds[l.Name]));
        return DefaultLayerRule.Pick(layers, preferBlocks: false, name => boundaries.Contains(_layerIds[name]));
    }

    private int Resolve(string layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_layerIds.TryGetValue(layer, out var id)) return id;
        throw new UnknownLayerException(Name, layer, LayerNames, nameof(layer));
    }

    private Tensor ProbeInput(int width, int height) => _graph.Format.Input(zeros(1, 3, height, width, device: Device));

    private OnnxShapeProbe Probe => _probe ??= new OnnxShapeProbe(_graph);

    /// <summary>
    /// A probe of the whole graph at <paramref name="width"/>×<paramref name="height"/>, remembered for the last few sizes:
    /// the layer names, the listing at the reference size, the default layer and the fixed-size check all read the same
    /// one instead of each running the graph again.
    /// </summary>
    private OnnxProbeResult WholeGraphProbe(int width, int height)
    {
        if (_wholeGraphProbes.TryGetValue((width, height), out var known)) return known;
        var result = Run(ProbeInput(width, height), _graph.Ops.Count - 1);
        if (_wholeGraphProbes.Count >= RememberedProbes) _wholeGraphProbes.Clear();
        return _wholeGraphProbes.GetOrAdd((width, height), result);
    }

    /// <summary>Runs the probe, counting the work for <see cref="ProbeWork"/>.</summary>
    private OnnxProbeResult Run(Tensor input, int lastOp)
    {
        var result = Probe.Run(input, lastOp);
        Interlocked.Increment(ref _probeRuns);
        Interlocked.Add(ref _probeOperators, result.OperatorsRun);
        return result;
    }

    /// <summary>The shape probes run so far and the operators they computed, for tests of how much work listing takes.</summary>
    internal (int Runs, long OperatorsComputed) ProbeWork => (Volatile.Read(ref _probeRuns), Interlocked.Read(ref _probeOperators));

    /// <summary>
    /// For a graph exported at a fixed size: lets each constant-shape Reshape that only regroups the dimensions between the
    /// input's own leading and trailing ones follow the input (see <see cref="ReshapeOp.FollowInput"/>), so that, e.g., a
    /// ShuffleNet exported at 224×224 runs at any size.
    /// </summary>
    private void LetConstantReshapesFollowTheInput()
    {
        if (ExportSize is not var (w, h) || !_graph.Ops.Any(op => op is ReshapeOp { HasConstantShape: true })) return;
        var atExport = WholeGraphProbe(w, h);
        foreach (var op in _graph.Ops)
            if (op is ReshapeOp { HasConstantShape: true } reshape && atExport.Shapes[op.Inputs[0]] is { } shape)
                reshape.FollowInput(shape);
    }

    /// <summary>
    /// The value names whose tensors are floating point and not single numbers in a probe at the reference size (kept when
    /// the probe cannot tell).
    /// </summary>
    private List<string> WithoutShapeArithmetic(List<string> names)
    {
        var (w, h) = ReferenceSize;
        var probe = WholeGraphProbe(w, h);
        return [.. names.Where(n => probe.Floating[_layerIds[n]] != false && probe.Shapes[_layerIds[n]] is not [])];
    }

    /// <summary>The input width and height the file declares, when both are fixed numbers.</summary>
    private (int Width, int Height)? ExportSize =>
        _graph.InputDims is [_, _, { } h, { } w] && h is > 0 and <= MinimumSizeSearch.MaxSize && w is > 0 and <= MinimumSizeSearch.MaxSize
            ? ((int)w, (int)h) : null;

    /// <summary>The size fixed-size layers are checked at: the declared export size, else 224×224 (ImageNet's).</summary>
    private (int Width, int Height) ReferenceSize => ExportSize ?? (224, 224);

    /// <summary>
    /// Layers that compute only at one size: computed at <see cref="ReferenceSize"/> W×H but neither at (W+32)×(H+32) nor
    /// at 2W×2H. A layer that bigger inputs break is not short of pixels; it follows something fixed to that size (a
    /// classifier reshaped to a constant shape in a fixed-size export, or a transformer's positional embeddings).
    /// </summary>
    private HashSet<int> FixedSizeLayers => _fixedSizeLayers ??= FindFixedSizeLayers();

    private HashSet<int> FindFixedSizeLayers()
    {
        var (w, h) = ReferenceSize;
        var atReference = WholeGraphProbe(w, h);
        var candidates = _layerIds.Values.Where(atReference.Computed).ToHashSet();
        if (candidates.Count == 0) return [];
        var bigger = WholeGraphProbe(w + 32, h + 32);
        candidates.RemoveWhere(bigger.Computed);
        if (candidates.Count == 0) return [];
        var double_ = WholeGraphProbe(2 * w, 2 * h);
        candidates.RemoveWhere(double_.Computed);
        return candidates;
    }

    /// <summary>
    /// For two branches whose sizes disagree (libtorch's "The size of tensor a (4) must match the size of tensor b (5)"):
    /// the CNTK padding pitfall, asymmetric "same" pads that shift one branch of a residual block on odd sizes, unless
    /// <see cref="OnnxImportOptions.SymmetricPadsFromBegin"/> is already on. Null for other failures.
    /// </summary>
    private string? SizeMismatchAdvice(Exception e) =>
        !_symmetricPadsFromBegin && NativeErrors.Summary(e).Contains("must match the size of tensor", StringComparison.Ordinal)
            ? "— if the model was exported by CNTK (asymmetric pads such as [1,1,0,0] in its stride-2 layers), set OnnxImportOptions.SymmetricPadsFromBegin; otherwise try an image size the model was exported for."
            : null;

    /// <summary>
    /// With <see cref="OnnxImportOptions.ResizeForFixedSizeLayers"/>: the image resized (bilinear, differentiable) to the
    /// size the requested fixed-size layers compute at; otherwise the image itself.
    /// </summary>
    private Tensor FitFixedSizeLayers(Tensor image, int[] ids)
    {
        if (!_resizeForFixedSizeLayers || !ids.Any(FixedSizeLayers.Contains)) return image;
        var (w, h) = ReferenceSize;
        if (image.shape[2] == h && image.shape[3] == w) return image;
        return nn.functional.interpolate(image, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    private bool Computes(int id, int size) => Run(ProbeInput(size, size), _graph.ProducerOf(id)).Computed(id);

    private int ProbeMinimum(int id, string layer)
    {
        if (FixedSizeLayers.Contains(id))
            return _resizeForFixedSizeLayers ? 1 : throw new ModelLoadException(FixedSizeMessage(layer));
        var measured = Run(ProbeInput(MinimumSizeSearch.MeasureSize, MinimumSizeSearch.MeasureSize), _graph.ProducerOf(id));
        if (measured.Structural && !measured.Computed(id)) throw new ModelLoadException($"Layer '{layer}' of '{Name}' cannot be computed at any input size: {measured.FirstFailure}.");
        var maxSize = MinimumSizeSearch.AffordableSize(measured.PeakBytes);
        if (MinimumSizeSearch.Find(size => Computes(id, size), maxSize) is { } found) return found;
        // Nothing computes: say why, from a run at a representative size.
        var side = Math.Min(maxSize, Math.Max(ReferenceSize.Width, ReferenceSize.Height));
        var failure = Run(ProbeInput(side, side), _graph.ProducerOf(id)).FirstFailure;
        throw new ModelLoadException(
            $"Layer '{layer}' of '{Name}' cannot be computed for any square input from 1 to {MinimumSizeSearch.Limit(maxSize)}" +
            (failure is null ? "." : $"; {failure}."));
    }

    private string FixedSizeMessage(string layer)
    {
        var (w, h) = ReferenceSize;
        return ExportSize is not null
            ? $"Layer '{layer}' of '{Name}' computes only at the model's export size {w}×{h} (it follows a part of the graph " +
              "fixed to that size, such as a classifier reshaped to a constant shape); dream on an earlier layer, export the " +
              "model with dynamic height and width, or set OnnxImportOptions.ResizeForFixedSizeLayers."
            : $"Layer '{layer}' of '{Name}' computes only at {w}×{h} (it follows a part of the graph fixed to that size, such " +
              "as a transformer's positional embeddings); dream on an earlier layer, or set OnnxImportOptions.ResizeForFixedSizeLayers.";
    }
}
