using DeepDream.Regularizers;
using DeepDream.Schedules;

namespace DeepDream.Gallery.Sections;

/// <summary>The transforms beyond jitter, the Laplacian step rule, and the neural-dream conveniences of the CLI.</summary>
internal sealed class TransformsSection : GallerySection
{
    public override string Id => "transforms";
    public override int Order => 55;
    public override string Title => "Transforms, step rules and starting points";
    public override string Intro => """
        Regularizers change what the model sees at each step (and map the change back): a random scale or rotation reinforces
        only features that survive it, a blur of each step's change makes patterns larger and softer. The Laplacian step rule
        (Google's TensorFlow notebook) normalises every frequency band of the gradient, so large shapes grow as fast as fine
        texture — most visible when the dream starts from noise. Every picture: the embedded ResNet18 at its default layer
        `layer3`, seed 1.
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            Tiles.Dream("plain.jpg", "jitter only (default)", "chelsea.png", b => b),
            Tiles.Dream("scale.jpg", "random scale 0.8–1.25", "chelsea.png", b => b.AddRegularizer(new ScaleRegularizer(0.8, 1.25))),
            Tiles.Dream("rotate.jpg", "random rotation up to 15°", "chelsea.png", b => b.AddRegularizer(new RotateRegularizer(15))),
            Tiles.Dream("blur.jpg", "update blurred, σ 2 px", "chelsea.png", b => b.AddRegularizer(new BlurRegularizer(2))),
        ], Caption: "Regularizers, each added to the default jitter.", StripFile: "transforms.jpg");

        yield return new Figure(
        [
            Tiles.Dream("laplacian.jpg", "Laplacian step rule", "chelsea.png", b => b.UseStepRule(new LaplacianStepRule())),
            Tiles.Command("noise-laplacian.jpg", "from noise, Laplacian rule", "dream samples/images/chelsea.png --init noise --step-rule laplacian --seed 1"),
            Tiles.Command("original-colors.jpg", "original colours", "dream samples/images/chelsea.png --original-colors --step-size 0.009 --seed 1"),
            Tiles.Command("strongest.jpg", "the 8 strongest channels", "dream samples/images/chelsea.png --channels strongest:8 --seed 1"),
        ], Caption: "The Laplacian step rule; a dream from seeded noise (the input only gives the size); the dream's brightness on the photo's own colours; "
            + "the eight channels of layer3 that respond most to this photo.");
    }
}
