import streamlit as st

st.title("History")
st.info("Coming next: every request you ran, as sent (never with a key), searchable and re-runnable.")
