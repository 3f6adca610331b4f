using DeepDream.Diagnostics;
using System.Collections.Concurrent;
using DeepDream.Performance;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Features;

/// <summary>
/// An <see cref="IFeatureExtractor"/> over a TorchSharp module whose layer names are module paths (<c>layer3</c>,
/// <c>inception4c</c>, <c>features.28</c>, <c>layer3.1.conv2</c>).
/// </summary>
/// <remarks>
/// <para>
/// The forward pass is a list of <see cref="ForwardNode"/> steps. The walker runs them in order, descends into sequential
/// containers only when a requested layer lies inside, and returns as soon as every requested layer has been computed, so
/// nothing after the deepest requested layer runs. Layers inside opaque steps (a ResNet block, an Inception block, or a
/// whole user module) are captured by forward hooks; once the last requested one has fired, the hook throws a private
/// exception that unwinds the rest of the forward pass (all managed code, so nothing native is interrupted).
/// </para>
/// <para>
/// Captured activations are copies (clones) except the deepest one, so later in-place operations of the network (inplace
/// ReLU, <c>add_</c> in residual blocks) cannot change them or break their gradient. A module called several times in one
/// forward pass yields its first output.
/// </para>
/// <para>Thread safety: hooks look up a per-thread capture context, so <see cref="Extract"/> keeps no shared mutable state.</para>
/// </remarks>
internal sealed class ModuleFeatureExtractor : IFeatureExtractor
{
    [ThreadStatic]
    private static Capture? t_capture;

    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly IReadOnlyList<ForwardNode> _nodes;
    private readonly bool _ownsModule;
    private readonly Dictionary<ForwardNode, (int First, int End)> _ranges = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<Action> _hookRemovers = [];
    private readonly HashSet<ForwardNode> _hasFusedSteps = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, int> _minimumSizes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _channelsLastSafe = new(StringComparer.Ordinal);
    private readonly IDisposable[] _extraDisposables;
    private readonly Lazy<string?> _defaultLayer;
    private string[] _names;
    private PreprocessingTensors _preprocessing;
    private ComputeFormat _format;
    private Device _device;
    private bool _disposed;

    /// <summary>Creates the extractor. The module is switched to eval mode and its parameters are frozen.</summary>
    /// <param name="name">The extractor's name.</param>
    /// <param name="module">The network.</param>
    /// <param name="nodes">The forward pass as steps over <paramref name="module"/>'s children.</param>
    /// <param name="preprocessing">The input convention.</param>
    /// <param name="ownsModule">Whether <see cref="Dispose"/> disposes the module.</param>
    /// <param name="orderByProbe">
    /// Whether to order hooked layers by when they fire in a probe forward pass at 224×224 (for user modules, whose
    /// registration order need not be the forward order); layers that never fire are then left out.
    /// </param>
    /// <param name="extraDisposables">Further objects (such as derived weights) disposed with the extractor.</param>
    /// <param name="defaultLayer">The model's default dream layer; null: found by <see cref="DefaultLayerRule"/> on first use.</param>
    /// <param name="channelsLast">
    /// Whether to run the activations channels-last (values unchanged; faster convolutions on the CPU) where no BatchNorm runs
    /// unfolded (see <see cref="MayRunChannelsLast"/>).
    /// </param>
    public ModuleFeatureExtractor(
        string name,
        nn.Module<Tensor, Tensor> module,
        IReadOnlyList<ForwardNode> nodes,
        Preprocessing preprocessing,
        bool ownsModule,
        bool orderByProbe = false,
        IReadOnlyList<IDisposable>? extraDisposables = null,
        string? defaultLayer = null,
        bool channelsLast = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(preprocessing);
        Name = name;
        _module = module;
        _nodes = nodes;
        _ownsModule = ownsModule;
        _extraDisposables = extraDisposables?.ToArray() ?? [];
        Preprocessing = preprocessing;

        module.eval();
        foreach (var p in module.parameters()) p.requires_grad = false;
        _device = module.parameters().FirstOrDefault()?.device ?? torch.CPU;
        _format = new ComputeFormat(module.parameters().FirstOrDefault(p => p.is_floating_point())?.dtype ?? ScalarType.Float32, channelsLast);
        ApplyFormat();
        _preprocessing = new PreprocessingTensors(preprocessing, _device);

        var names = new List<string>();
        var hooked = new List<(string Path, nn.Module Module)>();
        foreach (var node in nodes) AddNode(node, names, hooked);
        foreach (var node in nodes.SelectMany(n => n.SelfAndDescendants()))
        {
            if (node.Children is not null && node.SelfAndDescendants().Any(d => d.Fused is not null)) _hasFusedSteps.Add(node);
        }
        _names = names.ToArray();
        for (var i = 0; i < _names.Length; i++) _index[_names[i]] = i;

        foreach (var (path, m) in hooked)
        {
            if (m is not nn.Module<Tensor, Tensor> tm) continue;
            var remover = tm.register_forward_hook((_, _, output) => OnHook(path, output));
            _hookRemovers.Add(remover.remove);
        }

        if (orderByProbe) ReorderByProbe();
        if (defaultLayer is not null && !_index.ContainsKey(defaultLayer))
            throw new InvalidOperationException($"The default layer '{defaultLayer}' is not a layer of {name}; the TorchVision package layout is not the one DeepDream.Net was built against.");
        _defaultLayer = defaultLayer is not null
            ? new Lazy<string?>(defaultLayer)
            : new Lazy<string?>(() => DefaultLayerRule.Pick(ListLayers(DefaultLayerRule.ProbeSize, DefaultLayerRule.ProbeSize), preferBlocks: true),
                LazyThreadSafetyMode.PublicationOnly);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> LayerNames => _names;

    /// <inheritdoc />
    public string? DefaultLayer => _defaultLayer.Value;

    /// <inheritdoc />
    public Preprocessing Preprocessing { get; }

    /// <inheritdoc />
    public Device Device => _device;

    /// <summary>The wrapped module.</summary>
    internal nn.Module<Tensor, Tensor> Module => _module;

    /// <inheritdoc />
    public IFeatureExtractor To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ObjectDisposedException.ThrowIf(_disposed, this);
        DreamDevices.EnsureAvailable(device);
        _module.to(device);
        var moved = new PreprocessingTensors(Preprocessing, device);
        _preprocessing.Dispose();
        _preprocessing = moved;
        _device = device;
        ApplyFormat();
        return this;
    }

    /// <inheritdoc />
    public Precision Precision => _format.Precision;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="precision"/> is not a defined value.</exception>
    public IFeatureExtractor To(Precision precision)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var format = ComputeFormat.For(precision, _format.ChannelsLast);
        if (format == _format) return this;
        _module.to(format.Type);
        _format = format;
        ApplyFormat();
        return this;
    }

    /// <summary>Puts the derived weights (folded BatchNorms) in the current precision and on the device.</summary>
    private void ApplyFormat()
    {
        foreach (var d in _extraDisposables) if (d is IDeviceMovable movable) movable.MoveTo(_device, _format with { ChannelsLast = false });
    }

    /// <summary>
    /// Whether a call for <paramref name="wanted"/> may run channels-last: only when no BatchNorm runs unfolded on the way.
    /// libtorch's BatchNorm with channels-last activations gives wrong input gradients in some residual networks
    /// (measured: a few percent off in ResNet50's layer1 against float64), so such calls run in the usual layout.
    /// </summary>
    private bool MayRunChannelsLast(int[] wanted)
    {
        if (!_format.ChannelsLast) return false;
        var key = string.Join(',', wanted.Order());
        return _channelsLastSafe.GetOrAdd(key, _ => !RunsUnfoldedBatchNorm(_nodes, new HashSet<int>(wanted)));
    }

    /// <summary>Walks <paramref name="nodes"/> as <see cref="Walk"/> would for <paramref name="pending"/>, without running them.</summary>
    private bool RunsUnfoldedBatchNorm(IReadOnlyList<ForwardNode> nodes, HashSet<int> pending)
    {
        foreach (var node in nodes)
        {
            if (pending.Count == 0) return false;
            var (first, end) = _ranges[node];
            var own = node.IsLayer ? first : -1;
            var inside = pending.Any(i => i >= (node.IsLayer ? first + 1 : first) && i < end);
            if (node.Children is not null && (inside || (node.Fused is null && _hasFusedSteps.Contains(node))))
            {
                if (RunsUnfoldedBatchNorm(node.Children, pending)) return true;
            }
            else if ((inside || node.Fused is null) && node.ContainsBatchNorm)
            {
                return true;
            }
            pending.Remove(own);
            if (inside) pending.RemoveWhere(i => i > first && i < end);
        }
        return false;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var wanted = ResolveLayers(layers);
        if (image.dim() != 4 || image.shape[1] != 3)
            throw new ArgumentException($"Expected an N×3×H×W image batch, got shape [{string.Join(", ", image.shape)}].", nameof(image));

        var capture = Run(image, wanted, shapesOnly: false, out var failure);
        if (failure is not null)
        {
            var needed = GetMinimumInputSize(layers);
            var (h, w) = (image.shape[2], image.shape[3]);
            if (Math.Min(h, w) < needed)
                throw new ImageTooSmallException($"The input is {w}×{h} pixels but {Name} needs at least {needed}×{needed} to compute layer(s) {string.Join(", ", layers)}.", failure);
            throw NativeErrors.Wrap($"The forward pass of {Name} failed on a {w}×{h} input", failure);
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var scope = torch.CurrentDisposeScope;
        foreach (var layer in layers)
        {
            var t = capture.Results[_index[layer]]!;
            scope?.Attach(t);
            result[layer] = t;
        }
        return result;
    }

    /// <inheritdoc />
    public int GetMinimumInputSize(IReadOnlyCollection<string> layers)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var wanted = ResolveLayers(layers);
        var size = 1;
        foreach (var i in wanted) size = Math.Max(size, _minimumSizes.GetOrAdd(_names[i], static (name, self) => self.ProbeMinimumSize(self._index[name]), this));
        return size;
    }

    /// <inheritdoc />
    public IReadOnlyList<LayerInfo> ListLayers(int width, int height)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Guard.Positive(width, nameof(width));
        Guard.Positive(height, nameof(height));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var input = torch.zeros(1, 3, height, width, device: _device);
        var capture = Run(input, Enumerable.Range(0, _names.Length).ToArray(), shapesOnly: true, out _);
        return _names.Select((n, i) =>
        {
            var shape = capture.Shapes[i];
            return new LayerInfo(n, shape is null || shape.Any(d => d <= 0) ? Array.Empty<long>() : shape);
        }).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var remove in _hookRemovers) remove();
        _preprocessing.Dispose();
        foreach (var d in _extraDisposables) d.Dispose();
        if (_ownsModule) _module.Dispose();
    }

    private void AddNode(ForwardNode node, List<string> names, List<(string, nn.Module)> hooked)
    {
        var first = names.Count;
        if (node.IsLayer) AddName(node.Path, names);
        if (node.Children is not null)
        {
            foreach (var child in node.Children) AddNode(child, names, hooked);
        }
        else if (node.Module is not null)
        {
            foreach (var (sub, m) in node.Module.named_modules())
            {
                if (sub.Length == 0) continue;
                var path = ForwardNode.Join(node.Path, sub);
                if (AddName(path, names)) hooked.Add((path, m));
            }
        }
        _ranges[node] = (first, names.Count);
    }

    private static bool AddName(string name, List<string> names)
    {
        if (names.Contains(name, StringComparer.Ordinal)) return false;
        names.Add(name);
        return true;
    }

    private int[] ResolveLayers(IReadOnlyCollection<string> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("Ask for at least one layer; valid layers: " + string.Join(", ", _names), nameof(layers));
        var result = new List<int>(layers.Count);
        foreach (var layer in layers)
        {
            if (layer is null || !_index.TryGetValue(layer, out var i))
                throw new UnknownLayerException(Name, layer, _names, nameof(layers));
            if (!result.Contains(i)) result.Add(i);
        }
        return result.ToArray();
    }

    /// <summary>Runs the forward pass as far as needed; on failure returns the error and disposes partial results.</summary>
    private Capture Run(Tensor image, int[] wanted, bool shapesOnly, out Exception? failure)
    {
        var capture = new Capture(this, _names.Length, wanted, shapesOnly);
        var previous = t_capture;
        t_capture = capture;
        failure = null;
        try
        {
            using var scope = torch.NewDisposeScope();
            var format = MayRunChannelsLast(wanted) ? _format : _format with { ChannelsLast = false };
            var x = format.Input(_preprocessing.Apply(image));
            Walk(_nodes, ref x, capture);
            if (capture.Remaining > 0 && !shapesOnly)
            {
                var missing = wanted.Where(i => !capture.Taken[i]).Select(i => _names[i]);
                throw new ArgumentException($"layer(s) {string.Join(", ", missing)} of {Name} are not computed by the model's forward pass; choose another layer.");
            }
        }
        catch (ArgumentException)
        {
            capture.DisposeResults();
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            capture.DisposeResults();
            failure = ex;
        }
        finally
        {
            t_capture = previous;
        }
        return capture;
    }

    /// <summary>Runs <paramref name="nodes"/> in order; returns true once every wanted layer is captured (the caller stops).</summary>
    private bool Walk(IReadOnlyList<ForwardNode> nodes, ref Tensor x, Capture capture)
    {
        foreach (var node in nodes)
        {
            var (first, end) = _ranges[node];
            var own = node.IsLayer ? first : -1;
            var inside = capture.AnyWanted(node.IsLayer ? first + 1 : first, end);
            // Containers are walked when a layer inside is wanted, or when they have no fused form of their own but
            // steps inside do (so those run fused); otherwise they run as one step, fused where possible.
            if (node.Children is not null && (inside || (node.Fused is null && _hasFusedSteps.Contains(node))))
            {
                if (Walk(node.Children, ref x, capture)) return true;
            }
            else if (inside)
            {
                capture.HooksOn = true;
                try
                {
                    x = node.Run(x);
                }
                catch (StopForwardException) when (capture.Remaining == 0)
                {
                    return true;
                }
                finally
                {
                    capture.HooksOn = false;
                }
            }
            else
            {
                x = (node.Fused ?? node.Run)(x);
            }

            if (own >= 0) capture.Take(own, x);
            if (capture.Remaining == 0) return true;
        }
        return false;
    }

    private Tensor OnHook(string path, Tensor output)
    {
        var capture = t_capture;
        if (capture is null || !ReferenceEquals(capture.Owner, this) || !capture.HooksOn || !_index.TryGetValue(path, out var layer)) return output;
        capture.Take(layer, output);
        if (capture.Remaining == 0) throw new StopForwardException();
        return output;
    }

    private int ProbeMinimumSize(int layer)
    {
        var maxSize = MinimumSizeSearch.AffordableSize(EstimatePeakBytes());
        if (MinimumSizeSearch.Find(size => Probe(layer, size, out _), maxSize) is { } found) return found;
        var side = Math.Min(maxSize, 224);
        Probe(layer, side, out var failure);
        throw new ModelLoadException($"{Name} cannot compute layer '{_names[layer]}' for any square input from 1 to {MinimumSizeSearch.Limit(maxSize)}" +
            (failure is null ? "." : $"; at {side}×{side} the forward pass fails: {Diagnostics.NativeErrors.Summary(failure)}"));
    }

    /// <summary>
    /// The activation memory of a forward pass at <see cref="MinimumSizeSearch.MeasureSize"/>: three times the largest
    /// layer output (its input, itself and a temporary alive together), which bounds the probe's sizes.
    /// </summary>
    private long EstimatePeakBytes()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var input = torch.zeros(1, 3, MinimumSizeSearch.MeasureSize, MinimumSizeSearch.MeasureSize, device: _device);
        var capture = Run(input, Enumerable.Range(0, _names.Length).ToArray(), shapesOnly: true, out _);
        var largest = capture.Shapes.Where(s => s is not null).Select(s => s!.Aggregate(1L, (a, d) => a * d)).DefaultIfEmpty(0).Max();
        return 3 * 4 * Math.Max(largest, input.numel());
    }

    private bool Probe(int layer, int size, out Exception? failure)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var input = torch.zeros(1, 3, size, size, device: _device);
        var capture = Run(input, [layer], shapesOnly: true, out failure);
        var shape = capture.Shapes[layer];
        return failure is null && shape is not null && shape.All(d => d > 0);
    }

    private void ReorderByProbe()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var input = torch.zeros(1, 3, 224, 224, device: _device);
        var capture = Run(input, Enumerable.Range(0, _names.Length).ToArray(), shapesOnly: true, out var failure);
        if (failure is not null || capture.FiringOrder.Count == 0) return; // keep registration order when the module cannot run at 224×224
        // Layers in the order their modules first fired; layers that never fired are left out (they cannot be captured).
        _names = capture.FiringOrder.Select(i => _names[i]).ToArray();
        _index.Clear();
        for (var i = 0; i < _names.Length; i++) _index[_names[i]] = i;
        foreach (var node in _ranges.Keys.ToArray()) _ranges[node] = (0, _names.Length);
    }

    /// <summary>Thrown by a hook once the last requested layer has fired, to skip the rest of the forward pass.</summary>
    private sealed class StopForwardException : Exception
    {
        public StopForwardException() : base("Forward pass stopped after the deepest requested layer.") { }
    }

    /// <summary>The per-call state: which layers are wanted and what has been captured.</summary>
    private sealed class Capture
    {
        private readonly bool[] _wanted;
        private readonly bool _shapesOnly;

        public Capture(ModuleFeatureExtractor owner, int count, int[] wanted, bool shapesOnly)
        {
            Owner = owner;
            _wanted = new bool[count];
            foreach (var i in wanted) _wanted[i] = true;
            Taken = new bool[count];
            Results = new Tensor?[count];
            Shapes = new long[]?[count];
            Remaining = wanted.Length;
            _shapesOnly = shapesOnly;
        }

        public ModuleFeatureExtractor Owner { get; }

        public bool HooksOn { get; set; }

        public int Remaining { get; private set; }

        public bool[] Taken { get; }

        public Tensor?[] Results { get; }

        public long[]?[] Shapes { get; }

        public List<int> FiringOrder { get; } = [];

        public bool AnyWanted(int first, int end)
        {
            for (var i = first; i < end; i++) if (_wanted[i] && !Taken[i]) return true;
            return false;
        }

        public void Take(int layer, Tensor value)
        {
            if (!_wanted[layer] || Taken[layer]) return;
            Taken[layer] = true;
            Remaining--;
            FiringOrder.Add(layer);
            Shapes[layer] = value.shape;
            if (_shapesOnly) return;
            // Handed out as float32 in the usual contiguous layout. The deepest layer is never touched again (the pass
            // stops), so it needs no copy of its own; earlier ones are copied because the network may modify them in place.
            var kept = ComputeFormat.Output(value, copy: Remaining > 0);
            if (ReferenceEquals(kept, value)) kept = value.alias();
            Results[layer] = kept.DetachFromDisposeScope();
        }

        public void DisposeResults()
        {
            for (var i = 0; i < Results.Length; i++)
            {
                Results[i]?.Dispose();
                Results[i] = null;
            }
        }
    }
}

/// <summary>Something an extractor owns besides its module that must follow it to another device or format.</summary>
internal interface IDeviceMovable
{
    /// <summary>Moves the object's tensors to <paramref name="device"/> and stores them in <paramref name="format"/>.</summary>
    /// <param name="device">The target device.</param>
    /// <param name="format">The number type and memory order of the weights.</param>
    void MoveTo(Device device, ComputeFormat format);
}
