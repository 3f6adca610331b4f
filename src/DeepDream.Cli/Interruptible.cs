namespace DeepDream.Cli;

/// <summary>
/// Runs work that cannot watch a cancellation token itself — opening a FIFO that waits for its writer, reading standard
/// input, loading or probing a crafted model — on the thread pool, so that Ctrl-C or SIGTERM ends the wait at once: the
/// caller gets <see cref="OperationCanceledException"/> (exit 130/143) while the abandoned work finishes, or not, in the
/// background of a process that is about to exit.
/// </summary>
internal static class Interruptible
{
    /// <summary>Runs <paramref name="work"/>; when cancelled first, <paramref name="abandon"/> releases its result if it ever arrives.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled before the work finished.</exception>
    public static T Run<T>(Func<T> work, CancellationToken cancellationToken, Action<T>? abandon = null)
    {
        if (!cancellationToken.CanBeCanceled) return work();
        cancellationToken.ThrowIfCancellationRequested();
        var task = Task.Run(work, CancellationToken.None);
        try
        {
            return task.WaitAsync(cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (abandon is not null)
                _ = task.ContinueWith(t => abandon(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/>, disposing its result if it arrives after a cancel.</summary>
    public static T RunDisposable<T>(Func<T> work, CancellationToken cancellationToken) where T : IDisposable =>
        Run(work, cancellationToken, result => result.Dispose());
}
