namespace DeepDream.Gallery.Sections;

/// <summary>Models other than the embedded ResNet18.</summary>
internal sealed class ModelsSection : GallerySection
{
    public override string Id => "models";
    public override int Order => 70;
    public override string Title => "Other models";
    public override string Intro => """
        Any TorchVision architecture with PyTorch weights dreams the same way (`--model FILE.pth --arch NAME`, or
        `DreamModels.FromTorchVision` in C#). The file used here is the test fixture
        `tests/DeepDream.Net.Tests/TestData/fixtures/googlenet_seed0.pth`: a real `torch.save` of torchvision's GoogLeNet,
        but with **random, untrained weights** (the repository ships no trained GoogLeNet: 27 MB of weights of unclear
        licence). What it shows is honest but not pretty: an untrained network has no notion of eyes or dogs, so the photo
        barely changes — fine colour noise, and coloured fringes along its strongest edges. With torchvision's trained
        `googlenet` weights the same command gives the classic Inception dreams.
        """;

    public override IEnumerable<Figure> Figures()
    {
        const string Fixture = "tests/DeepDream.Net.Tests/TestData/fixtures/googlenet_seed0.pth";
        yield return new Figure(
        [
            Tiles.Command("googlenet-random-inception4c.jpg", "GoogLeNet, random weights, inception4c",
                $"dream samples/images/chelsea.png --model {Fixture} --arch googlenet --layer inception4c --seed 1"),
            Tiles.Command("googlenet-random-inception3b.jpg", "GoogLeNet, random weights, inception3b",
                $"dream samples/images/chelsea.png --model {Fixture} --arch googlenet --layer inception3b --seed 1"),
        ]);
    }
}
