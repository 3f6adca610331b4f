using System.CommandLine;

namespace DeepDream.Cli;

/// <summary>The raw values of the model options, shared by <c>dream</c> and <c>layers</c>.</summary>
internal sealed record ModelOptionValues(
    string? Model, string? Architecture, string? Preprocess, string? Mean, string? Std, bool Bgr, string? Scale, string? Device,
    bool ResizeFixed = false, bool SymmetricPads = false);

/// <summary>The model options (<c>--model --arch --preprocess --mean --std --bgr --scale --resize-fixed --symmetric-pads --device</c>) as System.CommandLine options.</summary>
internal sealed class ModelOptions
{
    public Option<string?> Model { get; } = new Option<string?>("--model")
    {
        Description = "The network: resnet18 (default, embedded), a .onnx file, or a .pth/.pt/.safetensors weights file with --arch.",
        HelpName = "NAME|PATH",
    }.RefusingEmpty();

    public Option<string?> Architecture { get; } = new("--arch")
    {
        Description = "The torchvision architecture of a weights file: resnet18..resnet152, googlenet, inception_v3, vgg16, vgg19, alexnet, ...",
        HelpName = "NAME",
    };

    public Option<string?> Preprocess { get; } = new("--preprocess")
    {
        Description = "Input preprocessing of a .onnx model: imagenet (default), caffe or raw.",
        HelpName = "NAME",
    };

    public Option<string?> Mean { get; } = new("--mean")
    {
        Description = "Custom preprocessing of a .onnx model: per-channel mean, in the model's channel order and scale.",
        HelpName = "R,G,B",
    };

    public Option<string?> Std { get; } = new("--std")
    {
        Description = "Custom preprocessing of a .onnx model: per-channel standard deviation.",
        HelpName = "R,G,B",
    };

    public Option<bool> Bgr { get; } = new("--bgr") { Description = "Custom preprocessing of a .onnx model: the model expects BGR channel order." };

    public Option<string?> Scale { get; } = new("--scale")
    {
        Description = "Custom preprocessing of a .onnx model: multiply the [0,1] input by this first (255 for 0..255 models).",
        HelpName = "X",
    };

    public Option<bool> ResizeFixed { get; } = new("--resize-fixed")
    {
        Description = "For a .onnx model: dream on layers fixed to one input size (vision transformers, fixed-size exports) by resizing the image to that size for the forward pass.",
    };

    public Option<bool> SymmetricPads { get; } = new("--symmetric-pads")
    {
        Description = "For a .onnx model exported by CNTK (asymmetric pads such as [1,1,0,0]): pad both sides by the begin amount, so that odd image sizes work.",
    };

    public Option<string?> Device { get; } = new("--device")
    {
        Description = "cpu or cuda (default: cuda when available, else cpu).",
        HelpName = "cpu|cuda",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Architecture);
        command.Options.Add(Preprocess);
        command.Options.Add(Mean);
        command.Options.Add(Std);
        command.Options.Add(Bgr);
        command.Options.Add(Scale);
        command.Options.Add(ResizeFixed);
        command.Options.Add(SymmetricPads);
        command.Options.Add(Device);
    }

    public ModelOptionValues Read(ParseResult result) => new(
        result.GetValue(Model), result.GetValue(Architecture), result.GetValue(Preprocess), result.GetValue(Mean),
        result.GetValue(Std), result.GetValue(Bgr), result.GetValue(Scale), result.GetValue(Device), result.GetValue(ResizeFixed),
        result.GetValue(SymmetricPads));
}
