namespace DeepDream.Gallery.Sections;

/// <summary>Step-size and jitter sweeps.</summary>
internal sealed class StepJitterSection : GallerySection
{
    public override string Id => "sweeps";
    public override int Order => 50;
    public override string Title => "Step size and jitter";
    public override string Intro => """
        The step size is the mean absolute pixel change per step (in [0, 1] units): it sets how strongly the dream paints
        over the photo — at 0.002 the cat is still a cat, at 0.018 the picture is all dog faces and saturated colour.
        Jitter is the largest random circular shift applied before each step: without it the same pixels always meet the
        network's stride grid, and the result is grainier, with fine high-frequency colour speckle; with it the patterns
        come out smoother. The differences are best seen at full size (click a picture).
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            Tiles.Command("step-0.002.jpg", "step size 0.002", "dream samples/images/chelsea.png --step-size 0.002 --seed 1"),
            Tiles.Command("step-0.0045.jpg", "step size 0.0045 (default)", "dream samples/images/chelsea.png --step-size 0.0045 --seed 1"),
            Tiles.Command("step-0.009.jpg", "step size 0.009", "dream samples/images/chelsea.png --step-size 0.009 --seed 1"),
            Tiles.Command("step-0.018.jpg", "step size 0.018", "dream samples/images/chelsea.png --step-size 0.018 --seed 1"),
        ], Caption: "Step size, 20 steps per octave each.");

        yield return new Figure(
        [
            Tiles.Command("jitter-0.jpg", "jitter 0 (off)", "dream samples/images/chelsea.png --jitter 0 --seed 1"),
            Tiles.Command("jitter-8.jpg", "jitter 8", "dream samples/images/chelsea.png --jitter 8 --seed 1"),
            Tiles.Command("jitter-32.jpg", "jitter 32 (default)", "dream samples/images/chelsea.png --jitter 32 --seed 1"),
            Tiles.Command("jitter-96.jpg", "jitter 96", "dream samples/images/chelsea.png --jitter 96 --seed 1"),
        ], Caption: "Jitter: the largest shift in pixels, the same at every octave (so relatively larger on the small octaves).");
    }
}
