using DeepDream.Diagnostics;
using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace DeepDream.Models.TorchVision;

/// <summary>
/// Reads PyTorch weight files (<c>torch.save(model.state_dict())</c> <c>.pth</c>/<c>.pt</c> files, or <c>.safetensors</c>)
/// with TorchSharp.PyBridge and copies them into a module after checking, key by key, that they fit.
/// </summary>
internal static class StateDictLoader
{
    private const int ShownKeys = 5;

    /// <summary>Wrapper keys of training checkpoints that hold the actual state dict.</summary>
    private static readonly string[] s_checkpointKeys = ["state_dict", "model_state_dict", "model"];

    /// <summary>Loads <paramref name="path"/> into <paramref name="module"/> strictly.</summary>
    /// <param name="module">The network to fill.</param>
    /// <param name="path">The weight file.</param>
    /// <param name="description">What the module is (for messages), such as <c>resnet18</c>.</param>
    /// <param name="optionalPrefixes">Prefixes of module keys the file may lack.</param>
    /// <param name="ignoredPrefixes">Prefixes of file keys the module has no place for, skipped silently.</param>
    /// <exception cref="ModelLoadException">The file is missing, unreadable or does not fit the module.</exception>
    public static void Load(nn.Module module, string path, string description, IReadOnlyList<string> optionalPrefixes, IReadOnlyList<string> ignoredPrefixes)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ModelLoadException($"Weight file '{full}' does not exist.");

        var source = Read(full);
        try
        {
            var target = module.state_dict();
            StripPrefix(source, "module."); // nn.DataParallel checkpoints
            foreach (var key in source.Keys.Where(k => ignoredPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToArray())
            {
                source[key].Dispose();
                source.Remove(key);
            }

            var missing = target.Keys.Where(k => !source.ContainsKey(k) && !optionalPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList();
            var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            var mismatched = target.Keys
                .Where(k => source.TryGetValue(k, out var s) && !s.shape.SequenceEqual(target[k].shape))
                .Select(k => $"{k} (file [{string.Join(", ", source[k].shape)}], {description} [{string.Join(", ", target[k].shape)}])")
                .ToList();
            if (missing.Count + unexpected.Count + mismatched.Count > 0)
            {
                var parts = new List<string>();
                if (missing.Count > 0) parts.Add($"{missing.Count} missing key(s): {Show(missing)}");
                if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected key(s): {Show(unexpected)}");
                if (mismatched.Count > 0) parts.Add($"{mismatched.Count} shape mismatch(es): {Show(mismatched)}");
                throw new ModelLoadException(
                    $"Weight file '{full}' does not fit {description}: {string.Join("; ", parts)}. " +
                    "Check that the file was saved from the same architecture (and class count) with torch.save(model.state_dict(), path).");
            }

            using var noGrad = torch.no_grad();
            foreach (var (key, value) in source)
            {
                target[key].copy_(value); // converts dtype and device
            }
        }
        finally
        {
            foreach (var t in source.Values) t.Dispose();
        }
    }

    private static string Show(List<string> keys) =>
        string.Join(", ", keys.Take(ShownKeys)) + (keys.Count > ShownKeys ? $", … ({keys.Count - ShownKeys} more)" : "");

    private static void StripPrefix(Dictionary<string, Tensor> source, string prefix)
    {
        if (source.Count == 0 || !source.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal))) return;
        foreach (var key in source.Keys.ToArray())
        {
            var value = source[key];
            source.Remove(key);
            source[key[prefix.Length..]] = value;
        }
    }

    private static Dictionary<string, Tensor> Read(string path)
    {
        var safetensors = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (safetensors)
            {
                using var scope = torch.NewDisposeScope();
                var dict = Safetensors.LoadStateDict(path);
                foreach (var t in dict.Values) t.DetachFromDisposeScope();
                return new Dictionary<string, Tensor>(dict, StringComparer.Ordinal);
            }
            using (var scope = torch.NewDisposeScope())
            {
                var table = PyTorchUnpickler.UnpickleStateDict(path);
                var result = ToStateDict(table, path);
                foreach (var t in result.Values) t.DetachFromDisposeScope();
                return result;
            }
        }
        catch (ModelLoadException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var kind = safetensors ? "a safetensors file" : "a PyTorch state dict (a zip file written by torch.save(model.state_dict(), path))";
            throw new ModelLoadException(
                $"Weight file '{path}' could not be read as {kind}: {ex.GetType().Name}: {NativeErrors.Summary(ex)}. The file may be truncated, corrupted or in another format.",
                ex);
        }
    }

    private static Dictionary<string, Tensor> ToStateDict(Hashtable table, string path)
    {
        // Training checkpoints often wrap the state dict: {"state_dict": {...}, "epoch": ...}.
        foreach (var key in s_checkpointKeys)
        {
            if (table[key] is Hashtable inner && inner.Count > 0 && inner.Values.Cast<object?>().All(v => v is Tensor)) return ToStateDict(inner, path);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
            {
                throw new ModelLoadException(
                    $"Weight file '{path}' is a pickle but not a state dict: entry '{entry.Key}' holds {entry.Value?.GetType().Name ?? "null"}, not a tensor. " +
                    "Save the weights with torch.save(model.state_dict(), path).");
            }
            result[key] = tensor;
        }
        if (result.Count == 0) throw new ModelLoadException($"Weight file '{path}' holds no tensors.");
        return result;
    }
}
