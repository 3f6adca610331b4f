using System.Globalization;
using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary><c>Σ wᵢ · Jᵢ</c>: a weighted sum of objectives, possibly on different layers.</summary>
public sealed class WeightedSumObjective : Objective
{
    private readonly (double Weight, Objective Objective)[] _terms;

    /// <summary>Creates the sum.</summary>
    /// <param name="terms">At least one term; weights finite.</param>
    /// <exception cref="ArgumentException">No terms, a null objective or a weight that is not a finite float32 number.</exception>
    public WeightedSumObjective(IEnumerable<(double Weight, Objective Objective)> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        // Nested sums are flattened so weights multiply out once.
        _terms = terms.SelectMany(t =>
        {
            if (t.Objective is null) throw new ArgumentException("An objective in the sum is null.", nameof(terms));
            Guard.Float32Weight(t.Weight, nameof(terms));
            return t.Objective is WeightedSumObjective inner
                ? inner._terms.Select(i => (Float32Weight(i.Weight * t.Weight), i.Objective))
                : [(t.Weight, t.Objective)];
        }).ToArray();
        if (_terms.Length == 0) throw new ArgumentException("A sum needs at least one objective.", nameof(terms));
    }

    private static double Float32Weight(double weight)
    {
        Guard.Float32Weight(weight, "terms");
        return weight;
    }

    /// <summary>The flattened terms.</summary>
    public IReadOnlyList<(double Weight, Objective Objective)> WeightedTerms => _terms;

    /// <inheritdoc />
    public override IReadOnlyList<string> Layers => _terms.SelectMany(t => t.Objective.Layers).Distinct(StringComparer.Ordinal).ToArray();

    internal static IEnumerable<(double Weight, Objective Objective)> Terms(Objective objective) =>
        objective is WeightedSumObjective sum ? sum._terms : [(1.0, objective)];

    /// <inheritdoc />
    public override IObjectiveEvaluator Bind(IFeatureExtractor extractor) => Bind(extractor, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    /// <inheritdoc />
    internal override IObjectiveEvaluator Bind(IFeatureExtractor extractor, Microsoft.Extensions.Logging.ILogger logger)
    {
        var bound = new List<(double, IObjectiveEvaluator)>(_terms.Length);
        try
        {
            foreach (var (weight, objective) in _terms) bound.Add((weight, objective.Bind(extractor, logger)));
            return new Evaluator([.. bound]);
        }
        catch
        {
            foreach (var (_, evaluator) in bound) evaluator.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        foreach (var (weight, objective) in _terms)
        {
            var magnitude = Math.Abs(weight);
            var sign = weight < 0 ? "−" : "+";
            if (text.Length > 0) text.Append(' ').Append(sign).Append(' ');
            else if (weight < 0) text.Append(sign);
            text.Append(magnitude == 1 ? objective.ToString() : string.Create(CultureInfo.InvariantCulture, $"{magnitude:G4}·{objective}"));
        }
        return text.ToString();
    }

    private sealed class Evaluator((double Weight, IObjectiveEvaluator Evaluator)[] terms) : IObjectiveEvaluator
    {
        public void AccumulateGradients(IReadOnlyDictionary<string, Tensor> activations, double weight, LayerGradients gradients)
        {
            foreach (var (w, evaluator) in terms) evaluator.AccumulateGradients(activations, weight * w, gradients);
        }

        public Tensor Value(IReadOnlyDictionary<string, Tensor> activations)
        {
            Tensor? total = null;
            foreach (var (w, evaluator) in terms)
            {
                var v = evaluator.Value(activations).mul(w);
                total = total is null ? v : total.add_(v);
            }
            return total!;
        }

        public void Dispose()
        {
            foreach (var (_, evaluator) in terms) evaluator.Dispose();
        }
    }
}
