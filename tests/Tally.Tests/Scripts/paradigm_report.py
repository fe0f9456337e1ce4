# The script of shared/spec/README.md, as a Paradigm user writes it, extended as its guide suggests to the
# feedback and tools reports and merged on date. It must run unchanged against Tally.
import os, requests, pandas as pd
api_key = os.getenv("PARADIGM_API_KEY")
base_url = os.getenv("PARADIGM_BASE_URL", "https://paradigm.lighton.ai/api/v2")
start_date = os.getenv("REPORT_START_DATE", "2025-01-01")

r = requests.get(f"{base_url}/reporting/chat-sessions/",
                 headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
                 params={"company_id": 2, "start_date": start_date})
data = r.json()
rows = [{"date": e["date"],
         "nb_sessions": e["sessions"]["sessions_count"],
         "unique_models": e["sessions"]["unique_models_count"],
         "average_session": e["sessions"]["average_session_length"],
         "user_queries": e["chats"]["user_queries_count"],
         "model_responses": e["chats"]["model_responses_count"],
         "model_responses_with_docs": e["chats"]["model_responses_with_docs_count"]}
        for e in data["reporting"][0]["dates"]]
df_sessions = pd.DataFrame(rows)

r = requests.get(f"{base_url}/reporting/chats-feedback/",
                 headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
                 params={"company_id": 2, "start_date": start_date})
data = r.json()
df_feedback = pd.DataFrame([{"date": e["date"],
                             "likes": e["feedbacks"]["likes_count"],
                             "dislikes": e["feedbacks"]["dislikes_count"],
                             "copies": e["feedbacks"]["copies_count"],
                             "flags": e["feedbacks"]["flags_count"]}
                            for e in data["reporting"][0]["dates"]])

r = requests.get(f"{base_url}/reporting/tools/",
                 headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
                 params={"company_id": 2, "start_date": start_date})
data = r.json()
df_tools = pd.DataFrame([{"date": e["date"],
                          "tool_calls": e["tool_calls_count"],
                          "tool_errors": sum(t["errors_count"] for t in e["tools"])}
                         for e in data["reporting"][0]["dates"]])

df = df_sessions.merge(df_feedback, on="date").merge(df_tools, on="date")
assert len(df) > 0, "the merged frame is empty"
assert df["user_queries"].sum() > 0, "no queries in the frame"
print(df.tail(10).to_string())
print(f"ROWS={len(df)} QUERIES={df['user_queries'].sum()} LIKES={df['likes'].sum()} TOOL_CALLS={df['tool_calls'].sum()}")
