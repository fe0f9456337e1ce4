namespace Tally.Prices;

/// <summary>A sum of exact costs that becomes null as soon as one part is unknown (a day with tokens and no price).</summary>
public struct CostSum
{
    private decimal _total;
    private bool _unknown;

    public void Add(decimal? cost)
    {
        if (cost is { } value)
        {
            _total += value;
        }
        else
        {
            _unknown = true;
        }
    }

    public readonly decimal? Exact => _unknown ? null : _total;
}
