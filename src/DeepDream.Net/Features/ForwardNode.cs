using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Features;

/// <summary>
/// One step of a network's forward pass as <see cref="ModuleFeatureExtractor"/> walks it: a module (or a function such as
/// the classifier head) whose output is the layer named <see cref="Path"/>.
/// </summary>
/// <remarks>
/// A step with <see cref="Children"/> is a container whose forward pass is exactly "run the children in order" (a
/// <c>Sequential</c>); the walker descends into it when a requested layer lies inside, so it can stop right after that
/// layer. A step without children is opaque: layers inside it are captured with forward hooks.
/// </remarks>
internal sealed class ForwardNode
{
    private ForwardNode(string path, nn.Module<Tensor, Tensor>? module, Func<Tensor, Tensor> run, IReadOnlyList<ForwardNode>? children)
    {
        Path = path;
        Module = module;
        Run = run;
        Children = children;
    }

    /// <summary>The layer name of this step's output (a module path such as <c>layer3</c>, or a name such as <c>logits</c>).</summary>
    public string Path { get; }

    /// <summary>The module run by this step, or <see langword="null"/> for a plain function.</summary>
    public nn.Module<Tensor, Tensor>? Module { get; }

    /// <summary>Computes the step's output from its input.</summary>
    public Func<Tensor, Tensor> Run { get; }

    /// <summary>The steps of a sequential container, or <see langword="null"/> when the step is opaque.</summary>
    public IReadOnlyList<ForwardNode>? Children { get; }

    /// <summary>
    /// An equivalent, faster way to compute this step's output (such as a residual block with its BatchNorms folded into the
    /// convolutions), used when no layer inside the step is requested; <see langword="null"/> when there is none.
    /// </summary>
    public Func<Tensor, Tensor>? Fused { get; set; }

    /// <summary>Whether the step's module contains a BatchNorm layer (run unfolded when the step runs unfused).</summary>
    public bool ContainsBatchNorm => _containsBatchNorm ??= Module is not null
        && Module.modules().Any(m => m is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d or TorchSharp.Modules.BatchNorm3d);

    private bool? _containsBatchNorm;

    /// <summary>This step and all steps below it, depth first.</summary>
    public IEnumerable<ForwardNode> SelfAndDescendants() =>
        Children is null ? [this] : Children.SelectMany(c => c.SelfAndDescendants()).Prepend(this);

    /// <summary>Whether this step's own output is a layer users can ask for (false for hidden glue such as a flatten).</summary>
    public bool IsLayer => Path.Length > 0;

    /// <summary>
    /// A step for <paramref name="module"/> at <paramref name="path"/>; sequential containers become steps with children
    /// (recursively) so the walker can stop inside them.
    /// </summary>
    /// <param name="path">The module path.</param>
    /// <param name="module">The module.</param>
    public static ForwardNode ForModule(string path, nn.Module<Tensor, Tensor> module)
    {
        IReadOnlyList<ForwardNode>? children = null;
        if (module is TorchSharp.Modules.Sequential)
        {
            children = module.named_children()
                .Select(c => ForModule(Join(path, c.name), AsTensorModule(c.module, Join(path, c.name))))
                .ToArray();
        }
        return new ForwardNode(path, module, module.call, children);
    }

    /// <summary>
    /// A hidden step that groups consecutive steps (for example a convolution and its BatchNorm) under one fused form: the
    /// walker uses <paramref name="fused"/> unless a layer inside is asked for, and then walks the steps one by one.
    /// </summary>
    /// <param name="steps">The grouped steps, in order.</param>
    /// <param name="fused">Computes the last step's output from the first step's input in one go.</param>
    public static ForwardNode Group(IReadOnlyList<ForwardNode> steps, Func<Tensor, Tensor> fused) =>
        new("", null, x => steps.Aggregate(x, (t, s) => s.Run(t)), steps) { Fused = fused };

    /// <summary>This container step with other children (for example folded ones); the same module, path and run.</summary>
    /// <param name="children">The new children.</param>
    public ForwardNode WithChildren(IReadOnlyList<ForwardNode> children) => new(Path, Module, Run, children) { Fused = Fused };

    /// <summary>A step that runs a function and whose output is the layer <paramref name="name"/> (empty: not a layer).</summary>
    /// <param name="name">The layer name, or an empty string for a hidden step.</param>
    /// <param name="run">The function.</param>
    public static ForwardNode ForFunction(string name, Func<Tensor, Tensor> run) => new(name, null, run, null);

    /// <summary>Joins a parent path and a child name with a dot.</summary>
    /// <param name="parent">The parent path (empty for the root).</param>
    /// <param name="child">The child name.</param>
    public static string Join(string parent, string child) => parent.Length == 0 ? child : parent + "." + child;

    /// <summary>Casts a child module to the tensor-to-tensor form every step needs.</summary>
    /// <param name="module">The module.</param>
    /// <param name="path">Its path, for the error message.</param>
    /// <exception cref="ArgumentException">The module does not map one tensor to one tensor.</exception>
    public static nn.Module<Tensor, Tensor> AsTensorModule(nn.Module module, string path) =>
        module as nn.Module<Tensor, Tensor>
        ?? throw new ArgumentException($"module '{path}' ({module.GetType().Name}) does not map one tensor to one tensor, so it cannot be a step of the forward pass.");
}
