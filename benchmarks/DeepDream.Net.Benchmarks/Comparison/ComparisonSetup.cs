using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DeepDream.Benchmarks.Comparison;

/// <summary>
/// The files both sides share, in a folder inside the chroot (<c>/tmp/deepdream-compare</c>) that the host reaches as
/// <c>CHROOT/tmp/deepdream-compare</c>: the Python scripts, the embedded ONNX model, its conversion to a torchvision
/// <c>resnet18</c> state dict (used by PyTorch and by our TorchVision path), and the pictures.
/// </summary>
internal sealed class ComparisonSetup
{
    public const string WeightsFile = "resnet18.pth";
    public const string ReferenceImage = "chelsea.png";
    public const string LargeImage = "large-1920x1080.png";
    private const string Folder = "/tmp/deepdream-compare";

    public ComparisonSetup(string chroot)
    {
        Chroot = Path.GetFullPath(chroot);
        if (!File.Exists(Path.Combine(Chroot, "usr/bin/python3")))
            throw new InvalidOperationException($"{Chroot} has no usr/bin/python3: make the chroot with benchmarks/pytorch/setup-chroot.sh first.");
    }

    /// <summary>Threads for both sides (null: each library's default, one per core).</summary>
    public int? Threads { get; init; }

    /// <summary>Steps per octave (the default 20 unless a quick check asks for fewer).</summary>
    public int Steps { get; init; } = DreamSettings.DefaultStepsPerOctave;

    /// <summary>The thread option for dream.py.</summary>
    public string[] ThreadArguments => Threads is { } n ? ["--threads", n.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];

    /// <summary>The chroot's root folder on the host.</summary>
    public string Chroot { get; }

    /// <summary>A shared file as the chroot sees it.</summary>
    public string InChroot(string name) => Folder + "/" + name;

    /// <summary>A shared file as the host sees it.</summary>
    public string OnHost(string name) => Path.Combine(Chroot, Folder.TrimStart('/'), name);

    /// <summary>Copies the scripts, the model and the pictures in and converts the weights (each only when missing or stale).</summary>
    public void Prepare()
    {
        Directory.CreateDirectory(OnHost(""));
        var scripts = Path.Combine(AppContext.BaseDirectory, "pytorch");
        foreach (var script in new[] { "dream.py", "onnx_to_torch.py" })
            File.Copy(Path.Combine(scripts, script), OnHost(script), overwrite: true);
        File.Copy(Workload.ImagePath(ReferenceImage), OnHost(ReferenceImage), overwrite: true);

        var onnx = OnHost("ResNet18.onnx");
        using (var resource = typeof(DreamModels).Assembly.GetManifestResourceStream(DreamModels.ResNet18Resource)
            ?? throw new InvalidOperationException("the embedded ResNet18 is missing"))
        {
            if (!File.Exists(onnx) || new FileInfo(onnx).Length != resource.Length)
            {
                using var file = File.Create(onnx);
                resource.CopyTo(file);
            }
        }
        if (!File.Exists(OnHost(WeightsFile)) || File.GetLastWriteTimeUtc(OnHost(WeightsFile)) < File.GetLastWriteTimeUtc(onnx))
        {
            Console.WriteLine("converting the embedded ONNX weights to a torchvision resnet18 state dict ...");
            PyTorchWorker.RunScript(this, "onnx_to_torch.py", InChroot("ResNet18.onnx"), InChroot(WeightsFile));
        }

        if (!File.Exists(OnHost(LargeImage)))
        {
            // The 1920×1080 workload: the reference photo enlarged (bicubic); the time does not depend on the content.
            using var picture = Workload.LoadImage(ReferenceImage);
            picture.Mutate(c => c.Resize(1920, 1080, KnownResamplers.Bicubic));
            picture.SaveAsPng(OnHost(LargeImage));
        }
    }

    /// <summary>Loads a shared picture.</summary>
    public Image<Rgb24> Load(string name) => Image.Load<Rgb24>(OnHost(name));
}
