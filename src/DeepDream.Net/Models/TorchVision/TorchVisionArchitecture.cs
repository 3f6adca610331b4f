using DeepDream.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.TorchVision;

/// <summary>
/// One architecture of the TorchVision NuGet package: how to build it, how its forward pass splits into walkable steps,
/// and which state-dict keys PyTorch files may carry or lack without harm.
/// </summary>
/// <param name="Name">The torchvision name, such as <c>resnet18</c>.</param>
/// <param name="Create">Builds the untrained network for a class count.</param>
/// <param name="Plan">Splits the network's forward pass into steps (trunk in forward order, then the <c>logits</c> head).</param>
/// <param name="UsesTransformInput">Whether torchvision's pretrained weights expect <c>transform_input=True</c> (GoogLeNet, Inception v3).</param>
/// <param name="OptionalPrefixes">State-dict prefixes of modules the forward pass never uses (auxiliary classifiers): a file may lack them.</param>
/// <param name="IgnoredPrefixes">State-dict prefixes a PyTorch file may carry that this network has no module for (they are skipped).</param>
/// <param name="DefaultLayer">The classic deep dream layer of the architecture (see <see cref="DreamModels.FromTorchVision(string, string, TorchVisionOptions)"/>).</param>
internal sealed record TorchVisionArchitecture(
    string Name,
    Func<int, nn.Module<Tensor, Tensor>> Create,
    Func<nn.Module<Tensor, Tensor>, IReadOnlyList<ForwardNode>> Plan,
    bool UsesTransformInput,
    IReadOnlyList<string> OptionalPrefixes,
    IReadOnlyList<string> IgnoredPrefixes,
    string DefaultLayer)
{
    /// <summary>The name of the classifier output in every torchvision plan.</summary>
    public const string LogitsLayer = "logits";

    private static readonly string[] s_resNetTrunk = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"];

    private static readonly string[] s_googLeNetTrunk =
    [
        "conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3",
        "inception4a", "inception4b", "inception4c", "inception4d", "inception4e", "maxpool4", "inception5a", "inception5b",
    ];

    private static readonly string[] s_inceptionV3Trunk =
    [
        "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "maxpool2",
        "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c",
    ];

    /// <summary>Every supported architecture, keyed by its lower-case torchvision name.</summary>
    public static IReadOnlyDictionary<string, TorchVisionArchitecture> All { get; } = Build();

    private static Dictionary<string, TorchVisionArchitecture> Build()
    {
        var list = new List<TorchVisionArchitecture>
        {
            ResNet("resnet18", n => torchvision.models.resnet18(num_classes: n)),
            ResNet("resnet34", n => torchvision.models.resnet34(num_classes: n)),
            ResNet("resnet50", n => torchvision.models.resnet50(num_classes: n)),
            ResNet("resnet101", n => torchvision.models.resnet101(num_classes: n)),
            ResNet("resnet152", n => torchvision.models.resnet152(num_classes: n)),
            ResNet("wide_resnet50_2", n => torchvision.models.wide_resnet50_2(num_classes: n)),
            ResNet("wide_resnet101_2", n => torchvision.models.wide_resnet101_2(num_classes: n)),
            ResNet("resnext50_32x4d", n => torchvision.models.resnext50_32x4d(num_classes: n)),
            // TorchSharp's resnext101_32x8d/resnext101_64x4d (0.107, still so upstream) build the ResNet50 layout [3, 4, 6, 3];
            // torchvision's have ResNet101's [3, 4, 23, 3] with grouped bottlenecks, which resnet101 builds when given
            // the groups and width per group.
            ResNet("resnext101_32x8d", n => torchvision.models.resnet101(num_classes: n, groups: 32, width_per_group: 8)),
            ResNet("resnext101_64x4d", n => torchvision.models.resnet101(num_classes: n, groups: 64, width_per_group: 4)),
            new("googlenet", n => torchvision.models.googlenet(num_classes: n, transform_input: false),
                m => Head(m, s_googLeNetTrunk, ["avgpool", "dropout", "fc"], (c, x) => c[2].call(c[1].call(c[0].call(x).flatten(1)))),
                UsesTransformInput: true, OptionalPrefixes: [], IgnoredPrefixes: ["aux1.", "aux2."], DefaultLayer: "inception4c"),
            new("inception_v3", n => torchvision.models.inception_v3(num_classes: n, transform_input: false),
                m => Head(m, s_inceptionV3Trunk, ["avgpool", "dropout", "fc"], (c, x) => c[2].call(c[1].call(c[0].call(x)).flatten(1))),
                UsesTransformInput: true, OptionalPrefixes: ["AuxLogits."], IgnoredPrefixes: [], DefaultLayer: "Mixed_6b"),
            new("alexnet", n => torchvision.models.alexnet(num_classes: n), FeaturesAvgPoolClassifier, false, [], [], DefaultLayer: "features.9"),
            new("mobilenet_v2", n => torchvision.models.mobilenet_v2(num_classes: n),
                m => Head(m, ["features"], ["classifier"], (c, x) => c[0].call(nn.functional.adaptive_avg_pool2d(x, [1, 1]).flatten(1))),
                false, [], [], DefaultLayer: "features.13"),
            new("mobilenet_v3_large", n => FixedClasses(n, "mobilenet_v3_large", torchvision.models.mobilenet_v3_large), FeaturesAvgPoolClassifier, false, [], [],
                DefaultLayer: "features.12"),
            new("mobilenet_v3_small", n => FixedClasses(n, "mobilenet_v3_small", torchvision.models.mobilenet_v3_small), FeaturesAvgPoolClassifier, false, [], [],
                DefaultLayer: "features.8"),
        };
        foreach (var depth in new[] { 11, 13, 16, 19 })
        {
            list.Add(new($"vgg{depth}", n => Vgg(depth, false, n), FeaturesAvgPoolClassifier, false, [], [], VggBlock4Relu(depth, false)));
            list.Add(new($"vgg{depth}_bn", n => Vgg(depth, true, n), FeaturesAvgPoolClassifier, false, [], [], VggBlock4Relu(depth, true)));
        }
        return list.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    private static TorchVisionArchitecture ResNet(string name, Func<int, nn.Module<Tensor, Tensor>> create) =>
        new(name, create,
            m => Head(m, s_resNetTrunk, ["avgpool", "fc"], (c, x) => c[1].call(c[0].call(x).flatten(1))),
            UsesTransformInput: false, OptionalPrefixes: [], IgnoredPrefixes: [], DefaultLayer: "layer3");

    /// <summary>
    /// The last ReLU of VGG's fourth convolution block (<c>relu4_3</c> of VGG16 is <c>features.22</c>): in
    /// <c>features</c> each convolution is conv, [BatchNorm,] ReLU and each block ends in a max-pool.
    /// </summary>
    private static string VggBlock4Relu(int depth, bool batchNorm)
    {
        int[] convsPerBlock = depth switch { 11 => [1, 1, 2, 2], 13 => [2, 2, 2, 2], 16 => [2, 2, 3, 3], _ => [2, 2, 4, 4] };
        var modulesBeforeFourthPool = convsPerBlock.Sum() * (batchNorm ? 3 : 2) + 3;
        return $"features.{modulesBeforeFourthPool - 1}";
    }

    private static nn.Module<Tensor, Tensor> Vgg(int depth, bool batchNorm, int classes) => (depth, batchNorm) switch
    {
        (11, false) => torchvision.models.vgg11(num_classes: classes),
        (11, true) => torchvision.models.vgg11_bn(num_classes: classes),
        (13, false) => torchvision.models.vgg13(num_classes: classes),
        (13, true) => torchvision.models.vgg13_bn(num_classes: classes),
        (16, false) => torchvision.models.vgg16(num_classes: classes),
        (16, true) => torchvision.models.vgg16_bn(num_classes: classes),
        (19, false) => torchvision.models.vgg19(num_classes: classes),
        _ => torchvision.models.vgg19_bn(num_classes: classes),
    };

    private static nn.Module<Tensor, Tensor> FixedClasses(int classes, string name, Func<nn.Module<Tensor, Tensor>> create) =>
        classes == 1000
            ? create()
            : throw new ArgumentException($"The TorchVision package builds {name} with 1000 classes only; got NumClasses = {classes}.");

    private static IReadOnlyList<ForwardNode> FeaturesAvgPoolClassifier(nn.Module<Tensor, Tensor> m) =>
        Head(m, ["features", "avgpool"], ["classifier"], (c, x) => c[0].call(x.flatten(1)));

    /// <summary>Steps for the trunk children in order, then the <c>logits</c> step computed from the head children.</summary>
    private static IReadOnlyList<ForwardNode> Head(
        nn.Module<Tensor, Tensor> module, IEnumerable<string> trunk, string[] headChildren, Func<nn.Module<Tensor, Tensor>[], Tensor, Tensor> head)
    {
        var nodes = trunk.Select(name => ForwardNode.ForModule(name, Child(module, name))).ToList();
        var children = headChildren.Select(name => Child(module, name)).ToArray();
        nodes.Add(ForwardNode.ForFunction(LogitsLayer, x => head(children, x)));
        return nodes;
    }

    /// <summary>The direct child <paramref name="name"/> of <paramref name="module"/>.</summary>
    /// <exception cref="InvalidOperationException">The TorchVision package no longer has that child (a package change).</exception>
    private static nn.Module<Tensor, Tensor> Child(nn.Module<Tensor, Tensor> module, string name)
    {
        foreach (var (childName, child) in module.named_children())
        {
            if (childName == name) return ForwardNode.AsTensorModule(child, name);
        }
        throw new InvalidOperationException($"{module.GetType().Name} has no child module '{name}'; the TorchVision package layout is not the one DeepDream.Net was built against.");
    }
}
